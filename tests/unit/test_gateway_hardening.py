"""The gateway's edges found by review and fuzzing: 405 with Allow, text the store cannot keep, body size limits,
and gRPC's own error text kept from clients."""

import json
import logging
import uuid
from collections.abc import AsyncIterator, MutableMapping
from types import SimpleNamespace
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI

from gateway import schemas
from gateway.bank_client import BankClient
from gateway.body_limit import BodyLimitMiddleware
from gateway.config import Settings, get_settings
from gateway.grpc_errors import to_problem
from gateway.main import create_app
from gateway.request_context import request_id
from tests.unit.fake_rpc_errors import FakeRpcError

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"
OTHER = "987e6543-e21b-34d3-c456-426614174999"
TRANSFERS = f"/accounts/{ACCOUNT}/transfers"
TRANSFER = {"to_account_id": OTHER, "amount": "1.00", "currency": "RUB"}
CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "holder_name": "ALICE SMITH"}
TOPUP = {"amount": "1.00", "currency": "RUB", "card": CARD}
SETTINGS = Settings(environment="development")
LIMIT = SETTINGS.max_body_bytes
GRPC_TEXT = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:50051: Connection refused"


class Backend:
    """Fake Bank and Card Adapter: records every call that reached them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def transfer(self, *args: Any) -> tuple[schemas.Transfer, bool]:
        self.calls.append(("transfer", args))
        body = next(a for a in args if isinstance(a, schemas.TransferCreate))
        transfer = schemas.Transfer(
            transfer_id=uuid.uuid4(),
            from_account_id=uuid.UUID(ACCOUNT),
            to_account_id=body.to_account_id,
            amount=body.amount,
            currency=body.currency,
            description=body.description,
            status="completed",
            created_at="2026-01-01T00:00:00+00:00",
        )
        return transfer, False

    async def balance(self, *args: Any) -> schemas.Balance:
        self.calls.append(("balance", args))
        return schemas.Balance(
            account_id=uuid.UUID(ACCOUNT),
            balance="1.00",
            held="0.00",
            available="1.00",
            currency="RUB",
            updated_at="2026-01-01T00:00:00+00:00",
            at="2026-01-01T00:00:00+00:00",
        )

    async def top_up(self, *args: Any) -> None:
        self.calls.append(("top_up", args))
        raise AssertionError("no top-up reaches the Card Adapter in these tests")


class AnyToken:
    """Takes every bearer token for a customer's, where the gateway checks tokens (gateway.security)."""

    async def verify(self, token: str) -> SimpleNamespace:
        return SimpleNamespace(
            subject=str(uuid.UUID(int=1)), role="customer", username="alice", provision_username=None
        )


class NoRateLimits:
    async def hit(self, *args: Any) -> None:
        return None


def app_with(backend: object) -> FastAPI:
    app = create_app(SETTINGS)
    app.state.backends = SimpleNamespace(bank=backend, card_adapter=backend, analytics=backend)
    app.state.verified_tokens, app.state.rate_limits = AnyToken(), NoRateLimits()
    app.dependency_overrides[get_settings] = lambda: SETTINGS
    return app


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
async def client(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(backend))
    headers = {"Authorization": "Bearer test"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as client:
        yield client


def post_json(client: httpx.AsyncClient, url: str, body: object) -> Any:
    """As a fuzzer sends it: json.dumps escapes control characters and lone surrogates (\\u0000, \\ud800)."""
    return client.post(url, content=json.dumps(body), headers={"Content-Type": "application/json"})


def assert_problem(reply: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (reply.status_code, reply.headers["content-type"]) == (status, "application/problem+json"), reply.text
    problem: dict[str, Any] = reply.json()
    assert (problem["status"], problem["code"], problem["type"]) == (status, code, f"urn:wallet:problem:{code}")
    return problem


# --- 405 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "allow"), [("GET", TRANSFERS, "POST"), ("DELETE", TRANSFERS, "POST")])
async def test_405_names_the_allowed_methods(client: httpx.AsyncClient, method: str, url: str, allow: str) -> None:
    reply = await client.request(method, url)
    assert_problem(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == allow


# --- text the store cannot keep -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["lunch\u0000", "\u0000", "two\nlines", "tab\there", "\u001b[2J", "csi\u009b", "del\u007f", "lone \ud800"],
)
async def test_a_description_the_store_cannot_keep_is_400_and_reaches_no_bank(
    client: httpx.AsyncClient, backend: Backend, description: str
) -> None:
    reply = await post_json(client, TRANSFERS, TRANSFER | {"description": description})
    problem = assert_problem(reply, 400, "invalid_request")
    assert [e["location"] for e in problem["errors"]] == ["body.description"]
    assert backend.calls == []


async def test_a_holder_name_with_nul_is_400_and_reaches_no_card_adapter(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    reply = await post_json(client, f"/accounts/{ACCOUNT}/topup", TOPUP | {"card": CARD | {"holder_name": "AL\u0000"}})
    problem = assert_problem(reply, 400, "invalid_request")
    assert [e["location"] for e in problem["errors"]] == ["body.card.holder_name"]
    assert "4242" not in reply.text
    assert backend.calls == []


async def test_any_other_unicode_description_is_accepted(client: httpx.AsyncClient, backend: Backend) -> None:
    description = 'Обед "у Пушкина" — 50% ☕ <b>'
    reply = await post_json(client, TRANSFERS, TRANSFER | {"description": description})
    assert reply.status_code == 201, reply.text
    assert reply.json()["description"] == description
    assert [name for name, _ in backend.calls] == ["transfer"]


@pytest.mark.parametrize(
    ("url", "body", "location"),
    [
        (TRANSFERS, TRANSFER | {"fee": "0.00"}, "body.fee"),
        (f"/accounts/{ACCOUNT}/topup", TOPUP | {"account": OTHER}, "body.account"),
        (f"/accounts/{ACCOUNT}/topup", TOPUP | {"card": CARD | {"pin": "1234"}}, "body.card.pin"),
    ],
)
async def test_unknown_fields_in_money_requests_are_rejected(
    client: httpx.AsyncClient, backend: Backend, url: str, body: dict[str, Any], location: str
) -> None:
    problem = assert_problem(await post_json(client, url, body), 400, "invalid_request")
    assert [(e["location"], e["type"]) for e in problem["errors"]] == [(location, "extra_forbidden")]
    assert backend.calls == []


# --- request body size --------------------------------------------------------------------------------------------


def padded(size: int) -> bytes:
    """A valid transfer body of exactly `size` bytes (JSON allows trailing whitespace)."""
    body = json.dumps(TRANSFER).encode()
    return body + b" " * (size - len(body))


async def test_a_20_mb_body_is_413(client: httpx.AsyncClient, backend: Backend) -> None:
    reply = await client.post(TRANSFERS, content=padded(20 * 1024 * 1024), headers={"Content-Type": "application/json"})
    problem = assert_problem(reply, 413, "payload_too_large")
    assert problem["detail"] == f"The request body must be at most {LIMIT} bytes"
    assert problem["instance"] == TRANSFERS
    assert reply.headers["connection"] == "close" and reply.headers["x-request-id"]
    assert backend.calls == []


async def test_a_chunked_body_is_cut_off_once_past_the_limit(client: httpx.AsyncClient, backend: Backend) -> None:
    pulled = 0

    async def twenty_megabytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(20 * 16):
            pulled += 1
            yield b" " * (64 * 1024)

    reply = await client.post(TRANSFERS, content=twenty_megabytes(), headers={"Content-Type": "application/json"})
    assert_problem(reply, 413, "payload_too_large")
    assert pulled <= LIMIT // (64 * 1024) + 1  # read no further than the chunk that passed the limit
    assert backend.calls == []


async def test_a_chunked_body_within_the_limit_reaches_the_route_whole(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    body = padded(LIMIT)

    async def in_pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    reply = await client.post(TRANSFERS, content=in_pieces(), headers={"Content-Type": "application/json"})
    assert reply.status_code == 201, reply.text
    assert [name for name, _ in backend.calls] == ["transfer"]


@pytest.mark.parametrize(("size", "status"), [(LIMIT, 201), (LIMIT + 1, 413)])
async def test_the_limit_is_inclusive(client: httpx.AsyncClient, size: int, status: int) -> None:
    reply = await client.post(TRANSFERS, content=padded(size), headers={"Content-Type": "application/json"})
    assert reply.status_code == status


async def test_a_declared_length_over_the_limit_is_answered_without_reading_the_body() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app must not run")

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    sent: list[dict[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    headers = [(b"content-length", str(20 * 1024 * 1024).encode()), (b"content-type", b"application/json")]
    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b"", "headers": headers}
    await BodyLimitMiddleware(app, max_bytes=1024)(scope | {"scheme": "http", "server": ("gw", 80)}, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "payload_too_large"


# --- gRPC's own text stays in the log -----------------------------------------------------------------------------


def test_a_failure_without_reason_shows_a_fixed_sentence_and_logs_the_cause(caplog: pytest.LogCaptureFixture) -> None:
    token = request_id.set("req-42")
    try:
        with caplog.at_level(logging.WARNING, logger="gateway"):
            problem = to_problem(FakeRpcError(grpc.StatusCode.UNAVAILABLE, GRPC_TEXT), "bank")
    finally:
        request_id.reset(token)
    assert (problem.status, problem.code) == (503, "bank_unavailable")
    assert problem.detail == "The bank service is unavailable; retry later"
    assert "127.0.0.1" in caplog.text and "req-42" in caplog.text


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        (grpc.StatusCode.DEADLINE_EXCEEDED, "The card_adapter service did not answer in time; retry later"),
        (grpc.StatusCode.INTERNAL, "The card_adapter service failed; retry later or report the request id"),
        (grpc.StatusCode.INVALID_ARGUMENT, "The card_adapter service rejected the request; check the request"),
    ],
)
def test_every_status_without_reason_has_a_fixed_sentence(code: grpc.StatusCode, detail: str) -> None:
    assert to_problem(FakeRpcError(code, GRPC_TEXT), "card_adapter").detail == detail


async def get_balance_from_an_unreachable_bank(request_id: bytes) -> httpx.Response:
    async with grpc.aio.insecure_channel("127.0.0.1:1") as channel:
        app = app_with(None)
        app.state.backends = SimpleNamespace(bank=BankClient(channel, 5.0))
        transport = httpx.ASGITransport(app=app)
        headers = [(b"Authorization", b"Bearer test"), (b"X-Request-ID", request_id)]  # raw bytes, as a client may send
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as client:
            return await client.get(f"/accounts/{ACCOUNT}/balance")


async def test_an_unreachable_bank_answers_503_without_its_address(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway"):
        reply = await get_balance_from_an_unreachable_bank(b"fuzz-7")
    problem = assert_problem(reply, 503, "bank_unavailable")
    assert problem["detail"] == "The bank service is unavailable; retry later"
    assert not any(leak in reply.text for leak in ("127.0.0.1", "ipv4", "addresses"))
    assert "127.0.0.1:1" in caplog.text and "request_id=fuzz-7" in caplog.text


async def test_a_request_id_that_grpc_metadata_cannot_carry_is_replaced() -> None:
    """gRPC metadata takes printable ASCII only: 'café' (Latin-1 on the wire) used to fail the call with a 500."""
    reply = await get_balance_from_an_unreachable_bank("caf\u00e9".encode("latin-1"))
    assert_problem(reply, 503, "bank_unavailable")
    uuid.UUID(reply.headers["x-request-id"])  # a fresh one
