"""A card top-up travels the same pipeline as transfers: a TopUpEvent on Kafka, a credit in the history."""

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import StackConfig
from stack.kafka import event_of, headers_of
from tests.accounts import create_accounts
from tests.e2e.pipeline_helpers import messages_about
from tests.e2e.topup_helpers import topup
from tests.polling import eventually

SCHEMA = json.loads((Path(__file__).parents[2] / "contracts/schemas/topup_event.json").read_text())
ARRIVAL_TIMEOUT = 120


async def test_topup_event_on_kafka_and_in_history(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    card_adapter_service: StackConfig,
    pipeline: StackConfig,
    analytics_service: StackConfig,
) -> None:
    [account] = await create_accounts(engine, "10.00")
    reply = await topup(api, account, amount="40.00")
    assert reply.status_code == 201 and reply.json()["status"] == "completed", reply.text
    topup_id = reply.json()["topup_id"]

    [message] = (await messages_about(pipeline, "topup_id", {topup_id}, ARRIVAL_TIMEOUT)).values()
    payload = event_of(message)
    jsonschema.validate(payload, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert message.key() == str(account).encode()
    assert headers_of(message)["id"].decode() == payload["event_id"]
    assert (payload["amount"], payload["card_last4"], payload["account_id"]) == ("40.00", "4242", str(account))

    async def in_history() -> list[dict[str, Any]]:
        page = await api.get(f"/accounts/{account}/operations")
        return page.json()["items"] if page.status_code == 200 else []

    await eventually(in_history, ARRIVAL_TIMEOUT, "the top-up in the account's history")
    [item] = await in_history()
    assert (item["type"], item["direction"], item["amount"], item["operation_id"]) == (
        "topup", "credit", "40.00", topup_id
    )  # fmt: skip
    assert item["counterparty_account_id"] is None and "4242" in item["description"]
