"""The analytics store's side of the reconciliation (ClickHouse's wallet.operations, read only, each event once):
operations per account and UTC day, the operation ids of one account-day, the event id of a stored copy."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from bank.config import Settings
from bank.domain.reconciliation import Key, Movement, Tally
from kernel import clickhouse

DAY_US = 86_400_000_000
EPOCH_DAY = date(1970, 1, 1)
# FINAL: duplicate deliveries are identical rows, equal in the whole sorting key, and count once (as in Analytics).
_TALLIES = (
    "SELECT account_id, intDiv(occurred_at_us, 86400000000) AS day, count(), sum(amount) FROM operations FINAL "
    "WHERE occurred_at_us >= %(start_us)s AND occurred_at_us < %(end_us)s GROUP BY account_id, day"
)
_OPERATION_IDS = (
    "SELECT DISTINCT operation_id FROM operations WHERE account_id = toUUID(%(account)s) "
    "AND occurred_at_us >= %(start_us)s AND occurred_at_us < %(end_us)s"
)
_EVENT_ID = (
    "SELECT event_id FROM operations WHERE account_id IN %(accounts)s AND occurred_at_us = %(at_us)s "
    "AND operation_id = %(operation_id)s LIMIT 1"
)


def microseconds(at: datetime) -> int:
    return round((at - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


class ClickHouseOperations:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]:
        rows = await self._query(_TALLIES, {"start_us": microseconds(start), "end_us": microseconds(end)})
        return {
            (account, EPOCH_DAY + timedelta(days=day)): Tally(count, Decimal(total))
            for account, day, count, total in rows
        }

    async def operation_ids(self, key: Key) -> set[str]:
        account, day = key
        start_us = (day - EPOCH_DAY).days * DAY_US
        rows = await self._query(
            _OPERATION_IDS, {"account": str(account), "start_us": start_us, "end_us": start_us + DAY_US}
        )
        return {operation_id for (operation_id,) in rows}

    async def event_id(self, movement: Movement) -> uuid.UUID | None:
        """The event id of a copy the store holds for another account of the operation (a transfer's other side)."""
        parameters = {
            "accounts": tuple(str(a) for a in movement.accounts),
            "at_us": microseconds(movement.operation.created_at),
            "operation_id": movement.operation_id,
        }
        rows = await self._query(_EVENT_ID, parameters)
        return rows[0][0] if rows else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def _query(self, sql: str, parameters: dict[str, Any]) -> Sequence[Sequence[Any]]:
        return await asyncio.to_thread(lambda: self._connected().query(sql, parameters=parameters).result_rows)

    def _connected(self) -> Client:
        if self._client is None:
            s = self._settings
            self._client = clickhouse.query_client(
                s, connect_timeout=2, send_receive_timeout=s.reconcile_query_timeout_s
            )
        return self._client
