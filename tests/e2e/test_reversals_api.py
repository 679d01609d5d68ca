"""POST /transfers/{transferId}/reversal through the real gateway -> Bank -> PostgreSQL: who may reverse, replays,
at most once, and the refusals as problem+json."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounts import create_accounts
from tests.e2e.transfer_helpers import assert_problem, balance, transfer
from tests.users import FIXER, INSPECTOR, MALLORY, bearer, login


@pytest.fixture(scope="module")
def tokens(gateway_url: str, tester_token: str) -> dict[str, dict[str, str]]:
    """Request headers of each actor of a transfer from the tester to Mallory."""
    return {
        "sender": bearer(tester_token),
        "recipient": bearer(login(gateway_url, MALLORY.username, MALLORY.password)),
        "operator": bearer(login(gateway_url, FIXER.username, FIXER.password)),
        "auditor": bearer(login(gateway_url, INSPECTOR.username, INSPECTOR.password)),
    }


@pytest.fixture
async def as_(gateway_url: str, tokens: dict[str, dict[str, str]]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients = {who: httpx.AsyncClient(base_url=gateway_url, timeout=30, headers=h) for who, h in tokens.items()}
    yield clients
    for client in clients.values():
        await client.aclose()


async def paid(api: httpx.AsyncClient, engine: AsyncEngine, amount: str = "30.00") -> tuple[str, uuid.UUID, uuid.UUID]:
    """The tester's account (100.00) paid `amount` to Mallory's (5.00): the transfer's id and both accounts."""
    [a] = await create_accounts(engine, "100.00")
    [b] = await create_accounts(engine, "5.00", owner=MALLORY.id)
    reply = await transfer(api, a, b, amount)
    assert reply.status_code == 201, reply.text
    return reply.json()["transfer_id"], a, b


def reverse(client: httpx.AsyncClient, transfer_id: object, key: str | None = None, **body: object):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/transfers/{transfer_id}/reversal", json=body or None, headers=headers)


@pytest.mark.parametrize("who", ["recipient", "operator"])
async def test_the_recipient_or_an_operator_reverses(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient], who: str
) -> None:
    transfer_id, a, b = await paid(api, engine)
    reply = await reverse(as_[who], transfer_id, description="refund")
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["kind"], body["reverses_transfer_id"], body["amount"]) == ("reversal", transfer_id, "30.00")
    assert (body["from_account_id"], body["to_account_id"]) == (str(b), str(a))
    assert body["description"] == "refund" and reply.headers["Idempotent-Replayed"] == "false"
    assert (await balance(api, a), await balance(as_["recipient"], b)) == ("100.00", "5.00")


@pytest.mark.parametrize("who", ["sender", "auditor"])
async def test_who_may_read_the_transfer_but_not_reverse_it_gets_403(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient], who: str
) -> None:
    transfer_id, a, _ = await paid(api, engine)
    assert_problem(await reverse(as_[who], transfer_id), 403, "forbidden")
    assert await balance(api, a) == "70.00"


async def test_a_stranger_and_an_unknown_transfer_get_404(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient]
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")  # both the tester's: Mallory may read neither
    reply = await transfer(api, a, b, "10.00")
    stranger = await reverse(as_["recipient"], reply.json()["transfer_id"])
    assert_problem(stranger, 404, "transfer_not_found")
    unknown = await reverse(as_["operator"], uuid.uuid4())
    assert_problem(unknown, 404, "transfer_not_found")
    assert stranger.json()["title"] == unknown.json()["title"]
    assert_problem(await reverse(as_["operator"], "not-a-uuid"), 400, "invalid_request")
    no_body = await as_["operator"].post(f"/transfers/{uuid.uuid4()}/reversal")
    assert_problem(no_body, 404, "transfer_not_found")


async def test_201_then_a_replay_then_409_for_a_second_reversal(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient]
) -> None:
    transfer_id, a, b = await paid(api, engine)
    first = await reverse(as_["recipient"], transfer_id, "refund-1", amount="12.50")
    again = await reverse(as_["recipient"], transfer_id, "refund-1", amount="12.50")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await reverse(as_["recipient"], transfer_id, "refund-1", amount="12.00")
    assert_problem(other, 422, "idempotency_key_reused")
    second = await reverse(as_["operator"], transfer_id, "refund-2", amount="1.00")
    assert_problem(second, 409, "already_reversed")
    assert first.json()["transfer_id"] in second.json()["detail"] and "Retry-After" not in second.headers
    assert (await balance(api, a), await balance(as_["recipient"], b)) == ("82.50", "22.50")


async def test_refusals_are_problems_and_move_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient]
) -> None:
    transfer_id, a, b = await paid(api, engine)
    payee = as_["recipient"]
    assert_problem(await reverse(payee, transfer_id, amount="30.01"), 400, "invalid_amount")
    assert_problem(await reverse(payee, transfer_id, amount="0.00"), 400, "invalid_amount")
    assert_problem(await reverse(payee, transfer_id, amount="-1"), 400, "invalid_amount")
    assert_problem(await reverse(payee, transfer_id, unexpected="field"), 400, "invalid_request")
    [c] = await create_accounts(engine, "0.00", owner=MALLORY.id)
    spent = await transfer(payee, b, c, "20.00")  # 15.00 left of 35.00
    assert spent.status_code == 201, spent.text
    assert_problem(await reverse(payee, transfer_id), 400, "insufficient_funds")
    assert (await balance(api, a), await balance(payee, b)) == ("70.00", "15.00")
    reversal = await reverse(payee, transfer_id, amount="15.00")
    assert reversal.status_code == 201, reversal.text
    assert_problem(await reverse(as_["operator"], reversal.json()["transfer_id"]), 400, "not_reversible")
    assert (await balance(api, a), await balance(payee, b)) == ("85.00", "0.00")


async def test_get_a_transfer_and_its_reversal(
    api: httpx.AsyncClient, engine: AsyncEngine, as_: dict[str, httpx.AsyncClient]
) -> None:
    transfer_id, _, _ = await paid(api, engine)
    for who in ("sender", "recipient", "operator", "auditor"):
        reply = await as_[who].get(f"/transfers/{transfer_id}")
        assert reply.status_code == 200, reply.text
        assert reply.json()["transfer_id"] == transfer_id and reply.json()["reversed_by_transfer_id"] is None
    reversal = (await reverse(as_["recipient"], transfer_id, amount="1.00")).json()
    original = (await api.get(f"/transfers/{transfer_id}")).json()
    assert original["reversed_by_transfer_id"] == reversal["transfer_id"] and original["kind"] == "transfer"
    again = (await api.get(f"/transfers/{reversal['transfer_id']}")).json()
    assert again == {**reversal, "reversed_by_transfer_id": None}
    assert_problem(await api.get(f"/transfers/{uuid.uuid4()}"), 404, "transfer_not_found")
    a, b = await create_accounts(engine, "10.00", "0.00")  # the tester's only: Mallory may read neither
    own = (await transfer(api, a, b, "1.00")).json()["transfer_id"]
    assert_problem(await as_["recipient"].get(f"/transfers/{own}"), 404, "transfer_not_found")
