"""The gateway's circuit breaker per backend against an in-process Bank that fails, then recovers: open after the
threshold (503 at once, with Retry-After, no call made), visible in /health/ready, closed again by a probe."""

import asyncio
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from generated import bank_pb2, bank_pb2_grpc
from stack.processes import free_port
from tests.integration.in_process import bank_server, gateway, plaintext

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"


class SwitchableBank(bank_pb2_grpc.BankServiceServicer):
    def __init__(self) -> None:
        self.failure: grpc.StatusCode | None = grpc.StatusCode.INTERNAL
        self.calls = 0

    async def GetBalance(self, request, context):
        self.calls += 1
        if self.failure is not None:
            await context.abort(self.failure, "failing")
        return bank_pb2.GetBalanceResponse(account_id=ACCOUNT, balance="1.00", currency="RUB", updated_at="")


@pytest.fixture
async def bank() -> AsyncIterator[tuple[SwitchableBank, str]]:
    servicer = SwitchableBank()  # type: ignore[abstract]  # serves only the methods the test calls
    async with bank_server(servicer) as target:
        yield servicer, target


@pytest.fixture
async def api(bank: tuple[SwitchableBank, str]) -> AsyncIterator[httpx.AsyncClient]:
    settings = plaintext(bank_target=bank[1], breaker_threshold=3, breaker_open_s=0.5, readiness_timeout_s=0.2)
    async with gateway(settings) as client:
        yield client


async def breaker_of_bank(api: httpx.AsyncClient) -> str:
    return (await api.get("/health/ready")).json()["breakers"]["bank"]


async def test_the_breaker_opens_answers_at_once_and_closes_after_a_probe(
    bank: tuple[SwitchableBank, str], api: httpx.AsyncClient
) -> None:
    servicer, _ = bank
    for _ in range(3):
        assert (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 502
    opened = await api.get(f"/accounts/{ACCOUNT}/balance")
    assert opened.status_code == 503 and opened.json()["code"] == "bank_unavailable"
    assert opened.headers["Retry-After"] == "1"
    assert servicer.calls == 3  # the fourth request never reached the Bank
    assert await breaker_of_bank(api) == "opened"

    servicer.failure = None
    await asyncio.sleep(0.6)
    assert (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 200  # the probe
    assert await breaker_of_bank(api) == "closed"


async def test_answers_about_the_request_do_not_open_it(
    bank: tuple[SwitchableBank, str], api: httpx.AsyncClient
) -> None:
    servicer, _ = bank
    servicer.failure = grpc.StatusCode.INVALID_ARGUMENT
    for _ in range(5):
        assert (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 400
    assert servicer.calls == 5
    assert await breaker_of_bank(api) == "closed"


async def test_a_bank_stopped_opens_the_breaker_and_started_again_closes_it() -> None:
    port = free_port()
    settings = plaintext(bank_target=f"127.0.0.1:{port}", breaker_threshold=2, breaker_open_s=0.5, grpc_timeout_s=1)
    async with gateway(settings) as api:
        servicer = SwitchableBank()  # type: ignore[abstract]  # serves only the methods the test calls
        servicer.failure = None
        async with bank_server(servicer, port):
            assert (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 200
        # Stopped: each call fails (after gRPC's own retries) until the breaker opens and answers at once.
        statuses = [(await api.get(f"/accounts/{ACCOUNT}/balance")).status_code for _ in range(3)]
        assert statuses[:2] in ([503, 503], [504, 504], [503, 504], [504, 503]) and statuses[2] == 503
        assert await breaker_of_bank(api) == "opened"
        async with bank_server(servicer, port):
            # The channel may still wait out its reconnect backoff at the first probe; a failed probe opens the
            # breaker again for 0.5 s, and the next one tries again.
            for _ in range(20):
                await asyncio.sleep(0.6)
                if (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 200:
                    break
            assert (await api.get(f"/accounts/{ACCOUNT}/balance")).status_code == 200
            assert await breaker_of_bank(api) == "closed"
