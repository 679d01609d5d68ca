"""In-process servers for tests of the gateway's calls: a gateway app with its backends, and a Bank servicer of the
test's own making on a free loopback port (plaintext: development settings)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import httpx

from gateway.backends import Backends
from gateway.config import Settings
from gateway.main import create_app
from generated import bank_pb2_grpc
from stack.processes import free_port
from tests.users import bearer_of_tester


@asynccontextmanager
async def gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an in-process gateway (no lifespan: its backends opened here), logged in as the tester."""
    app = create_app(settings)
    app.state.backends = Backends.open(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        headers = bearer_of_tester(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as client:
            yield client
    finally:
        await app.state.backends.close()


@asynccontextmanager
async def bank_server(servicer: bank_pb2_grpc.BankServiceServicer, port: int | None = None) -> AsyncIterator[str]:
    """`servicer` served in this process (on `port`, or a free one); yields its target."""
    server = grpc.aio.server()
    bank_pb2_grpc.add_BankServiceServicer_to_server(servicer, server)
    target = f"127.0.0.1:{port or free_port()}"
    server.add_insecure_port(target)
    await server.start()
    try:
        yield target
    finally:
        await server.stop(grace=None)


def plaintext(**settings: object) -> Settings:
    """Gateway settings for in-process backends."""
    return Settings(environment="development", grpc_plaintext=True, **settings)  # type: ignore[arg-type]
