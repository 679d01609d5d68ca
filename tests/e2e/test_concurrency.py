"""Many clients, many random transfers: money is conserved and the outbox has one valid event each."""

import asyncio
import json
import random
from decimal import Decimal
from pathlib import Path

import httpx
import jsonschema
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.accounts import balances, create_accounts

CLIENTS = 20
TRANSFERS_PER_CLIENT = 60
ACCOUNTS = 12
SCHEMA = json.loads((Path(__file__).parents[2] / "contracts/schemas/transfer_event.json").read_text())


async def test_random_transfers_conserve_money_and_emit_one_event_each(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ids = await create_accounts(engine, *["100.00"] * ACCOUNTS)
    rng = random.Random(42)
    created: list[str] = []
    rejected = 0

    async def client(seed: int) -> None:
        nonlocal rejected
        local = random.Random(seed)
        for _ in range(TRANSFERS_PER_CLIENT):
            sender, recipient = local.sample(ids, 2)
            amount = f"{local.randint(1, 4000) / 100:.2f}"
            body = {"to_account_id": str(recipient), "amount": amount, "currency": "RUB"}
            reply = await api.post(f"/accounts/{sender}/transfers", json=body)
            if reply.status_code == 201:
                created.append(reply.json()["transfer_id"])
            else:
                assert reply.status_code == 400 and reply.json()["code"] == "insufficient_funds", reply.text
                rejected += 1

    await asyncio.gather(*(client(rng.randrange(1 << 30)) for _ in range(CLIENTS)))

    assert len(created) + rejected == CLIENTS * TRANSFERS_PER_CLIENT >= 1000
    final = await balances(engine, ids)
    assert sum(final.values()) == Decimal("100.00") * ACCOUNTS
    assert min(final.values()) >= 0
    async with engine.connect() as conn:
        committed = await conn.scalar(
            text("SELECT count(*) FROM transfers WHERE from_account_id = ANY(:ids)"), {"ids": ids}
        )
        rows = (
            await conn.execute(
                text("SELECT id, payload FROM outbox WHERE type = 'TransferCompleted' AND aggregateid = ANY(:ids)"),
                {"ids": [str(i) for i in ids]},
            )
        ).all()
    assert committed == len(created)
    assert sorted(row.payload["transfer_id"] for row in rows) == sorted(created)
    checker = jsonschema.FormatChecker()
    for row in rows:
        jsonschema.validate(row.payload, SCHEMA, format_checker=checker)
        assert row.payload["event_id"] == str(row.id)
