"""A transfer as one SQL statement over asyncpg: lock both accounts, check, move the money, record the transfer, its
two ledger entries (bank.domain.ledger.transfer_entries) and its outbox row, in a single round trip and a single
(implicit) transaction. When it refuses, it says what it saw, and the domain's rules name the reason
(bank.service_layer.transfer_service)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from bank import metrics
from bank.config import Settings
from bank.domain.errors import AlreadyReversed
from bank.domain.events import OutboxEvent
from bank.domain.model import Account, Transfer
from bank.service_layer.transfer_service import TransferAttempt
from kernel import postgres
from kernel.errors import ConcurrencyConflict

# The guard (`ok`) is the domain's rules as SQL: the sender exists and is the caller's, both accounts hold the
# currency, the sender has the amount available (its balance less its holds), the recipient is a customer's (not an
# internal account), and no transfer of this sender has this idempotency key. Rows are locked in id order (no
# deadlock between opposite transfers). A key taken meanwhile by a concurrent request makes the insert do nothing,
# and with it everything that depends on it. Each modifying part sees the locked rows' latest versions (READ
# COMMITTED re-checks a row another transaction changed), and CHECK (balance_not_negative) stays the last word.
TRANSFER = """
WITH locked AS (
    SELECT id, balance, held, kind, currency, owner_id, updated_at, version FROM accounts
    WHERE id = ANY(ARRAY[$2::uuid, $3::uuid]) ORDER BY id FOR UPDATE
), earlier AS (
    SELECT id, from_account_id, to_account_id, amount, currency, description, status, idempotency_key,
           request_fingerprint, created_at, kind, reverses_transfer_id, hold_id
    FROM transfers WHERE $7::text IS NOT NULL AND from_account_id = $2::uuid AND idempotency_key = $7::text
), ok AS (
    SELECT 1 FROM locked s, locked r
    WHERE s.id = $2::uuid AND r.id = $3::uuid AND s.owner_id = $10::uuid AND r.kind = 'customer'
      AND s.currency = $5::text AND r.currency = $5::text AND s.balance - s.held >= $4::numeric
      AND NOT EXISTS (SELECT 1 FROM earlier)
), made AS (
    INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, description, status,
                           idempotency_key, request_fingerprint, created_at, kind, reverses_transfer_id, hold_id)
    SELECT $1::uuid, $2::uuid, $3::uuid, $4::numeric, $5::text, $6::text, 'completed', $7::text, $8::text,
           $9::timestamptz, $17::text, $18::uuid, $19::uuid
    WHERE EXISTS (SELECT 1 FROM ok)
    ON CONFLICT ON CONSTRAINT transfers_idempotency_key DO NOTHING
    RETURNING id
), moved AS (
    UPDATE accounts a SET balance = a.balance + d.delta, version = a.version + 1, updated_at = $9::timestamptz
    FROM (VALUES ($2::uuid, -$4::numeric), ($3::uuid, $4::numeric)) AS d(id, delta)
    WHERE a.id = d.id AND EXISTS (SELECT 1 FROM made)
    RETURNING a.id
), entered AS (
    INSERT INTO entries (movement_id, movement_type, account_id, amount, currency, created_at)
    SELECT $1::uuid, 'transfer', d.id, d.delta, $5::text, $9::timestamptz
    FROM (VALUES ($2::uuid, -$4::numeric), ($3::uuid, $4::numeric)) AS d(id, delta)
    WHERE EXISTS (SELECT 1 FROM made)
    RETURNING id
), published AS (
    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, created_at, traceparent)
    SELECT $11::uuid, $12::text, $13::text, $14::text, $15::jsonb, now(), $16::text WHERE EXISTS (SELECT 1 FROM made)
    RETURNING id
), outcome AS (
    SELECT (SELECT count(*) FROM made) = 1 AND (SELECT count(*) FROM moved) = 2
           AND (SELECT count(*) FROM entered) = 2 AND (SELECT count(*) FROM published) = 1 AS done
)
SELECT done,
       -- What it saw, for the domain to name the refusal: nothing to build or parse when the transfer is made.
       CASE WHEN NOT done THEN (SELECT json_agg(locked) FROM locked) END AS accounts,
       CASE WHEN NOT done THEN (SELECT row_to_json(earlier) FROM earlier) END AS earlier
FROM outcome
"""
FIND_TRANSFER = """
SELECT id, from_account_id, to_account_id, amount, currency, description, status, idempotency_key,
       request_fingerprint, created_at, kind, reverses_transfer_id, hold_id
FROM transfers WHERE from_account_id = $1 AND idempotency_key = $2
"""
# A transfer to make, its outbox event, and the user who must own its sender.
Planned = tuple[Transfer, OutboxEvent, uuid.UUID]
LOCK_ACCOUNTS = "SELECT 1 FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"


def _translate(error: BaseException) -> Exception | None:
    """Under concurrent transfers from one sender the guard has been seen to pass on a balance another transfer had
    just lowered (once in ~1,200 concurrent transfers); the CHECK then refuses the whole statement, nothing is
    written, and a new attempt, on a new snapshot, decides again. A second reversal of one transfer breaks its
    UNIQUE constraint: nothing is written either (bank.service_layer.reversal_service names the first)."""
    constraint = getattr(error, "constraint_name", None)
    if constraint == "balance_not_negative":
        return ConcurrencyConflict("the sender's balance changed under the check")
    if constraint == "transfers_reversed_once":  # a concurrent reversal of the same transfer committed first
        return AlreadyReversed("the transfer was reversed already")
    return postgres.translate(error)


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """A database failure in the block raised as the Bank error it means."""
    try:
        yield
    except Exception as error:
        raise (_translate(error) or error) from error


class PostgresTransfers:
    """The hot path's own asyncpg pool: prepared statements, no ORM, no reset query on release."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def try_transfer(self, transfer: Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
        attempt = _attempt(await self._fetchrow(TRANSFER, *statement_arguments(transfer, event, owner)))
        if attempt.done:  # committed: the statement is its own transaction
            metrics.outbox_rows_committed((event.type,))
        return attempt

    async def try_transfers(self, batch: list[Planned]) -> list[TransferAttempt]:
        """Several transfers in one transaction and one commit: every account they touch is locked first, in id order
        (so no deadlock with single transfers, which lock in the same order), then each is decided in turn, seeing
        the ones before it. Any error rolls all of them back."""
        accounts = sorted({a for transfer, _, _ in batch for a in (transfer.from_account_id, transfer.to_account_id)})
        async with _translated():
            pool = self._pool or await self._open()
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute(LOCK_ACCOUNTS, accounts)
                attempts = [_attempt(await connection.fetchrow(TRANSFER, *statement_arguments(*row))) for row in batch]
        metrics.outbox_rows_committed(
            event.type for (_, event, _), attempt in zip(batch, attempts, strict=True) if attempt.done
        )
        return attempts

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None:
        row = await self._fetchrow(FIND_TRANSFER, from_account_id, key)
        return Transfer(**dict(row)) if row else None

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with _translated():
            pool = self._pool or await self._open()
            return await pool.fetchrow(query, *args)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                s = self._settings
                self._pool = await asyncpg.create_pool(
                    s.database_url.get_secret_value().replace("postgresql+asyncpg://", "postgresql://", 1),
                    min_size=1,
                    max_size=s.db_pool_size,
                    timeout=s.db_connect_timeout_s,
                    reset=_keep_session,
                    server_settings={
                        "application_name": "wallet-bank-transfers",
                        "statement_timeout": str(s.statement_timeout_ms),
                        # A request waits this long for another holding its idempotency key (or its accounts).
                        "lock_timeout": str(s.idempotency_wait_ms),
                    },
                )
        return self._pool


def statement_arguments(t: Transfer, event: OutboxEvent, owner: uuid.UUID) -> tuple[Any, ...]:
    return (
        t.id, t.from_account_id, t.to_account_id, t.amount, t.currency, t.description, t.idempotency_key,
        t.request_fingerprint, t.created_at, owner,
        event.id, event.aggregatetype, event.aggregateid, event.type, json.dumps(event.payload), event.traceparent,
        t.kind, t.reverses_transfer_id, t.hold_id,
    )  # fmt: skip


def _attempt(row: asyncpg.Record | None) -> TransferAttempt:
    assert row is not None
    accounts = [_account(a) for a in _json(row["accounts"]) or []]
    earlier = _transfer(_json(row["earlier"])) if row["earlier"] else None
    return TransferAttempt(done=row["done"], accounts={a.id: a for a in accounts}, earlier=earlier)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Released connections keep their session: the statements here leave nothing behind to reset."""


def _json(text: str | None) -> Any:
    return json.loads(text, parse_float=Decimal) if text else None  # money stays exact


def _account(row: dict[str, Any]) -> Account:
    return Account(
        id=uuid.UUID(row["id"]),
        balance=Decimal(row["balance"]),
        currency=row["currency"],
        updated_at=_timestamp(row["updated_at"]),
        version=row["version"],
        owner_id=uuid.UUID(row["owner_id"]) if row["owner_id"] else None,
        held=Decimal(row["held"]),
        kind=row["kind"],
    )


def _transfer(row: dict[str, Any]) -> Transfer:
    return Transfer(
        id=uuid.UUID(row["id"]),
        from_account_id=uuid.UUID(row["from_account_id"]),
        to_account_id=uuid.UUID(row["to_account_id"]),
        amount=Decimal(row["amount"]),
        currency=row["currency"],
        description=row["description"],
        status=row["status"],
        idempotency_key=row["idempotency_key"],
        request_fingerprint=row["request_fingerprint"],
        created_at=_timestamp(row["created_at"]),
        kind=row["kind"],
        reverses_transfer_id=uuid.UUID(row["reverses_transfer_id"]) if row["reverses_transfer_id"] else None,
        hold_id=uuid.UUID(row["hold_id"]) if row["hold_id"] else None,
    )


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)
