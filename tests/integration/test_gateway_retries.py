"""The gateway's channels (kernel.grpc_channels) against an in-process Bank that fails the first call UNAVAILABLE:
gRPC retries what is safe to repeat, with the key the gateway minted, and nothing else; every call carries what is
left of the request's deadline."""

import uuid
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from generated import bank_pb2, bank_pb2_grpc
from tests.integration.in_process import bank_server, gateway, plaintext

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"
BODY = {"to_account_id": "223e4567-e89b-12d3-a456-426614174000", "amount": "1.00", "currency": "RUB"}


class FlakyBank(bank_pb2_grpc.BankServiceServicer):
    """Every method's first call fails UNAVAILABLE, as from a replica going away; later calls answer."""

    def __init__(self) -> None:
        self.calls: dict[str, list[str]] = {}  # method -> idempotency keys (or "") in arrival order
        self.deadlines: list[float | None] = []

    async def _first_fails(self, method: str, context: grpc.aio.ServicerContext, key: str = "") -> None:
        self.calls.setdefault(method, []).append(key)
        self.deadlines.append(context.time_remaining())
        if len(self.calls[method]) == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "going away")

    async def TransferMoney(self, request, context):
        await self._first_fails("TransferMoney", context, request.idempotency_key)
        transfer = bank_pb2.Transfer(
            transfer_id=str(uuid.uuid4()),
            from_account_id=request.from_account_id,
            to_account_id=request.to_account_id,
            amount=request.amount,
            currency=request.currency,
            status="completed",
            created_at="2026-11-27T10:00:00+00:00",
        )
        # As the Bank answers a repeat of a key it has already made a transfer for.
        return bank_pb2.TransferMoneyResponse(transfer=transfer, replayed=True)

    async def OpenAccount(self, request, context):
        await self._first_fails("OpenAccount", context)
        account = bank_pb2.GetBalanceResponse(account_id=ACCOUNT, balance="0.00", currency="RUB", updated_at="")
        return bank_pb2.OpenAccountResponse(account=account)


@pytest.fixture
async def flaky_bank() -> AsyncIterator[tuple[FlakyBank, str]]:
    servicer = FlakyBank()  # type: ignore[abstract]  # serves only the methods the test calls
    async with bank_server(servicer) as target:
        yield servicer, target


@pytest.fixture
async def api(flaky_bank: tuple[FlakyBank, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(plaintext(bank_target=flaky_bank[1], grpc_timeout_s=3)) as client:
        yield client


async def test_a_transfer_without_a_key_is_retried_with_the_key_the_gateway_minted(
    flaky_bank: tuple[FlakyBank, str], api: httpx.AsyncClient
) -> None:
    bank, _ = flaky_bank
    reply = await api.post(f"/accounts/{ACCOUNT}/transfers", json=BODY)
    assert reply.status_code == 201, reply.text
    first, second = bank.calls["TransferMoney"]
    assert first == second and first.startswith("gateway-")
    # The Bank's replay of our own retry is, for the client, the first answer to its only request.
    assert reply.headers["Idempotent-Replayed"] == "false"


async def test_a_client_key_is_sent_as_is_and_its_replay_reported(
    flaky_bank: tuple[FlakyBank, str], api: httpx.AsyncClient
) -> None:
    bank, _ = flaky_bank
    reply = await api.post(f"/accounts/{ACCOUNT}/transfers", json=BODY, headers={"Idempotency-Key": "mine-1"})
    assert reply.status_code == 201, reply.text
    assert bank.calls["TransferMoney"] == ["mine-1", "mine-1"]
    assert reply.headers["Idempotent-Replayed"] == "true"


async def test_opening_an_account_is_not_repeated(flaky_bank: tuple[FlakyBank, str], api: httpx.AsyncClient) -> None:
    bank, _ = flaky_bank
    reply = await api.post("/me/accounts", json={"currency": "RUB"})
    assert reply.status_code == 503
    assert reply.json()["code"] == "bank_unavailable"
    assert bank.calls["OpenAccount"] == [""]  # one attempt: a second could open a second account


async def test_every_attempt_carries_what_is_left_of_the_request_deadline(
    flaky_bank: tuple[FlakyBank, str], api: httpx.AsyncClient
) -> None:
    bank, _ = flaky_bank
    await api.post(f"/accounts/{ACCOUNT}/transfers", json=BODY)
    assert all(d is not None and 0 < d <= 3 for d in bank.deadlines), bank.deadlines
    first, second = bank.deadlines[:2]
    assert first is not None and second is not None and second < first  # the retry has less time left, not a fresh 3 s
