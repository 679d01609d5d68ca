"""A Bank that answers too slowly: the gateway keeps its deadline and answers 504."""

import asyncio
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from gateway.backends import Backends
from gateway.config import Settings
from gateway.main import create_app
from generated import bank_pb2_grpc
from stack.processes import free_port
from tests.users import bearer_of_tester


class StalledBank(bank_pb2_grpc.BankServiceServicer):
    async def GetBalance(self, request, context):  # type: ignore[no-untyped-def]  # noqa: N802
        await asyncio.sleep(5)


@pytest.fixture
async def stalled_bank() -> AsyncIterator[str]:
    server = grpc.aio.server()
    bank_pb2_grpc.add_BankServiceServicer_to_server(StalledBank(), server)
    target = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(target)
    await server.start()
    yield target
    await server.stop(grace=None)


async def test_slow_bank_gives_504(stalled_bank: str) -> None:
    settings = Settings(bank_target=stalled_bank, grpc_timeout_s=0.3, environment="development", grpc_plaintext=True)
    app = create_app(settings)
    app.state.backends = Backends.open(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        headers = bearer_of_tester(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as client:
            reply = await client.get("/accounts/123e4567-e89b-12d3-a456-426614174000/balance")
    finally:
        await app.state.backends.close()
    assert reply.status_code == 504
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "bank_timeout"
