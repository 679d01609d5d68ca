"""In-process Analytics servers for tests: wired to any ClickHouse address, dead or stalled ones included."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc

from analytics.bootstrap import bootstrap
from analytics.config import Settings
from analytics.entrypoints.grpc_server import AnalyticsServicer
from generated import analytics_pb2_grpc
from kernel import tls
from stack.processes import free_port


@asynccontextmanager
async def analytics_server(settings: Settings) -> AsyncIterator[str]:
    """Serve AnalyticsService on a free port (mutual TLS or plaintext, as `settings` say); yields its target."""
    analytics = bootstrap(settings)
    server = grpc.aio.server()
    analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(analytics), server)
    target = f"127.0.0.1:{free_port()}"
    tls.add_port(server, target, settings)
    await server.start()
    try:
        yield target
    finally:
        await server.stop(grace=None)
        analytics.close()


@asynccontextmanager
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts connections and never answers: a ClickHouse too slow to be useful."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in held:
            writer.close()
