"""The ledger's movements travel the pipeline like the others: a reversal reaches the history linked to the transfer it
corrects, a capture linked to its hold, and each hold event reaches Kafka (fitting its schema) and ClickHouse."""

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from clickhouse_connect.driver.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import StackConfig
from stack.kafka import event_of, headers_of
from tests.accounts import create_accounts
from tests.e2e.pipeline_helpers import every_message_about
from tests.polling import eventually

SCHEMAS = Path(__file__).parents[2] / "contracts" / "schemas"
ARRIVAL_TIMEOUT = 120


async def history(api: httpx.AsyncClient, account: uuid.UUID, count: int) -> list[dict[str, Any]]:
    """The account's history once it holds `count` operations, newest first."""
    items: list[dict[str, Any]] = []

    async def arrived() -> bool:
        page = await api.get(f"/accounts/{account}/operations")
        items[:] = page.json()["items"] if page.status_code == 200 else []
        return len(items) >= count

    await eventually(arrived, ARRIVAL_TIMEOUT, f"{count} operations in the history of {account}")
    return items


async def post(api: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = await api.post(path, json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def test_a_reversal_is_in_the_history_linked_to_its_transfer(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig, analytics_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")  # both the tester's: it may reverse what b received
    body = {"to_account_id": str(b), "amount": "10.00", "currency": "RUB", "description": "by mistake"}
    original = await post(api, f"/accounts/{a}/transfers", body)
    reversal = await post(api, f"/transfers/{original['transfer_id']}/reversal", {"amount": "4.00"})

    [back, out] = await history(api, a, 2)
    assert (out["kind"], out["operation_id"], out["direction"], out["amount"]) == (
        "transfer", original["transfer_id"], "debit", "10.00"
    )  # fmt: skip
    assert (back["kind"], back["operation_id"], back["direction"], back["amount"]) == (
        "reversal", reversal["transfer_id"], "credit", "4.00"
    )  # fmt: skip
    assert back["reverses_operation_id"] == original["transfer_id"] and out["reverses_operation_id"] is None
    [_, received] = await history(api, b, 2)
    assert (received["kind"], received["direction"]) == ("transfer", "credit")


async def test_hold_events_reach_kafka_and_clickhouse_and_a_capture_the_history(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    pipeline: StackConfig,
    analytics_service: StackConfig,
    clickhouse_client: Client,
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    hold = {"to_account_id": str(b), "amount": "5.00", "currency": "RUB", "description": "deposit for a bike"}
    captured = await post(api, f"/accounts/{a}/holds", hold)
    voided = await post(api, f"/accounts/{a}/holds", hold)
    capture = await api.post(f"/holds/{captured['hold_id']}/capture", json={"amount": "3.00"})
    assert capture.status_code in (200, 201), capture.text
    void = await api.post(f"/holds/{voided['hold_id']}/void")
    assert void.status_code in (200, 201), void.text
    hold_ids = {captured["hold_id"], voided["hold_id"]}

    # Four hold events, and the capture's TransferCompleted, which names its hold too.
    messages = await every_message_about(pipeline, "hold_id", hold_ids, 5, ARRIVAL_TIMEOUT)
    events = [event_of(m) for m in messages]
    for message, event in zip(messages, events, strict=True):
        schema = "hold_event.json" if event["event_type"].startswith("Hold") else "transfer_event.json"
        jsonschema.validate(
            event, json.loads((SCHEMAS / schema).read_text()), format_checker=jsonschema.FormatChecker()
        )
        assert message.key() == str(a).encode() and headers_of(message)["id"].decode() == event["event_id"]
    kinds = sorted((e["event_type"], e["hold_id"]) for e in events)
    assert kinds == sorted(
        [("HoldPlaced", captured["hold_id"]), ("HoldPlaced", voided["hold_id"]), ("HoldCaptured", captured["hold_id"]),
         ("HoldVoided", voided["hold_id"]), ("TransferCompleted", captured["hold_id"])]
    )  # fmt: skip

    rows: list[Sequence[Any]] = []
    query = (
        "SELECT event_type, toString(hold_id), toString(amount), toString(captured_amount), transfer_id "
        "FROM wallet.hold_events FINAL WHERE account_id = toUUID(%(a)s) ORDER BY occurred_at_us, event_type"
    )

    def stored() -> bool:
        rows[:] = clickhouse_client.query(query, parameters={"a": str(a)}).result_rows
        return len(rows) >= 4

    await eventually(stored, ARRIVAL_TIMEOUT, "the hold events in ClickHouse")
    assert len(rows) == 4
    [captured_row] = [r for r in rows if r[0] == "HoldCaptured"]
    assert captured_row[1:4] == (captured["hold_id"], "5.00", "3.00") and captured_row[4]

    [item] = await history(api, a, 1)  # the capture moved money; placing and voiding did not
    assert (item["kind"], item["hold_id"], item["direction"], item["amount"]) == (
        "capture", captured["hold_id"], "debit", "3.00"
    )  # fmt: skip
    assert item["operation_id"] == captured_row[4]
