"""The gateway's circuit breaker per backend against an in-process Bank that fails, then recovers: open after the
threshold (503 at once, with Retry-After, no call made), visible in /health/ready, closed again by a probe."""

import asyncio
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from gateway.backends import Backends
from gateway.config import Settings
from gateway.main import create_app
from generated import bank_pb2, bank_pb2_grpc
from stack.processes import free_port
from tests.users import bearer_of_tester

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"


class SwitchableBank(bank_pb2_grpc.BankServiceServicer):
    def __init__(self) -> None:
        self.failure: grpc.StatusCode | None = grpc.StatusCode.INTERNAL
        self.calls = 0

    async def GetBalance(self, request, context):  # type: ignore[no-untyped-def]  # noqa: N802
        self.calls += 1
        if self.failure is not None:
            await context.abort(self.failure, "failing")
        return bank_pb2.GetBalanceResponse(account_id=ACCOUNT, balance="1.00", currency="RUB", updated_at="")


@pytest.fixture
async def bank() -> AsyncIterator[tuple[SwitchableBank, str]]:
    servicer = SwitchableBank()
    server = grpc.aio.server()
    bank_pb2_grpc.add_BankServiceServicer_to_server(servicer, server)
    target = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(target)
    await server.start()
    yield servicer, target
    await server.stop(grace=None)


@pytest.fixture
async def gateway(bank: tuple[SwitchableBank, str]) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        bank_target=bank[1],
        breaker_threshold=3,
        breaker_open_s=0.5,
        readiness_timeout_s=0.2,
        environment="development",
        grpc_plaintext=True,
    )
    app = create_app(settings)
    app.state.backends = Backends.open(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        headers = bearer_of_tester(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as client:
            yield client
    finally:
        await app.state.backends.close()


async def breaker_of_bank(gateway: httpx.AsyncClient) -> str:
    return (await gateway.get("/health/ready")).json()["breakers"]["bank"]  # type: ignore[no-any-return]


async def test_the_breaker_opens_answers_at_once_and_closes_after_a_probe(
    bank: tuple[SwitchableBank, str], gateway: httpx.AsyncClient
) -> None:
    servicer, _ = bank
    for _ in range(3):
        assert (await gateway.get(f"/accounts/{ACCOUNT}/balance")).status_code == 502
    opened = await gateway.get(f"/accounts/{ACCOUNT}/balance")
    assert opened.status_code == 503 and opened.json()["code"] == "bank_unavailable"
    assert opened.headers["Retry-After"] == "1"
    assert servicer.calls == 3  # the fourth request never reached the Bank
    assert await breaker_of_bank(gateway) == "opened"

    servicer.failure = None
    await asyncio.sleep(0.6)
    assert (await gateway.get(f"/accounts/{ACCOUNT}/balance")).status_code == 200  # the probe
    assert await breaker_of_bank(gateway) == "closed"


async def test_answers_about_the_request_do_not_open_it(
    bank: tuple[SwitchableBank, str], gateway: httpx.AsyncClient
) -> None:
    servicer, _ = bank
    servicer.failure = grpc.StatusCode.INVALID_ARGUMENT
    for _ in range(5):
        assert (await gateway.get(f"/accounts/{ACCOUNT}/balance")).status_code == 400
    assert servicer.calls == 5
    assert await breaker_of_bank(gateway) == "closed"
