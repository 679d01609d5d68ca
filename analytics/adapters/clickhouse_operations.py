"""The operations history in ClickHouse, read with clickhouse-connect over HTTP (blocking, so in threads)."""

import asyncio
import contextvars
import functools
import logging
import math
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clickhouse_connect.driver import httputil
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError

from analytics.adapters.account_analytics_sql import (
    counterparties_sql,
    counterparty,
    operation,
    period_summary,
    summary_sql,
)
from analytics.adapters.history_windows import Newest, Since, Window, Windows
from analytics.config import Settings
from analytics.domain.account_summary import Counterparty, CounterpartyQuery, PeriodSummary, SummaryQuery
from analytics.domain.errors import AnalyticsError, StoreTimeout, StoreUnavailable
from analytics.domain.history import HistoryFilter, Operation, Position
from kernel import clickhouse, deadlines

log = logging.getLogger("analytics.clickhouse")

COLUMNS = (
    "occurred_at_us, event_id, operation_type, direction, amount, toString(currency) AS currency, "
    "operation_id, counterparty_id, description, kind, reverses_operation_id, hold_id"
)
# TIMEOUT_EXCEEDED, TOO_SLOW: the server stopped the query at max_execution_time.
_TIMEOUT_CODES = {159, 160}
# UNKNOWN_TABLE, UNKNOWN_DATABASE (schema not applied yet), TOO_MANY_SIMULTANEOUS_QUERIES, MEMORY_LIMIT_EXCEEDED.
_UNAVAILABLE_CODES = {60, 81, 202, 241}
_SERVER_CODE = re.compile(r"Code: (\d+)")


def history_sql(
    history_filter: HistoryFilter, after: Position | None, limit: int, window: Window = None
) -> tuple[str, dict[str, Any]]:
    """The newest-first keyset query, over `window` only; values are bound client-side (18.16 has no server-side
    parameters). 18.16 reads and sorts every row the conditions leave (it cannot read in key order, and LIMIT BY
    rules out a partial sort), so a window's lower time bound, which the primary key prunes, is what keeps a page
    of a long history cheap."""
    conditions = ["account_id = toUUID(%(account_id)s)"]
    parameters: dict[str, Any] = {"account_id": str(history_filter.account_id), "limit": limit}
    if after is not None:
        # Spelled out: 18.16 gives no guarantee for tuple comparison, and it would not use the index.
        conditions.append(
            "(occurred_at_us < %(after_us)s OR (occurred_at_us = %(after_us)s AND event_id < toUUID(%(after_event)s)))"
        )
        parameters |= {"after_us": after.occurred_at_us, "after_event": str(after.event_id)}
    if history_filter.types:
        conditions.append("operation_type IN %(types)s")
        parameters["types"] = tuple(sorted(t.value for t in history_filter.types))
    if history_filter.from_us is not None:
        conditions.append("occurred_at_us >= %(from_us)s")
        parameters["from_us"] = history_filter.from_us
    if history_filter.to_us is not None:
        conditions.append("occurred_at_us < %(to_us)s")
        parameters["to_us"] = history_filter.to_us
    if isinstance(window, Since):
        conditions.append("occurred_at_us >= %(since_us)s")
        parameters["since_us"] = window.since_us
    elif isinstance(window, Newest):
        # The bound is a scalar subquery, a constant by the time the key is analysed. It reads two columns and keeps
        # the newest `probe` rows (a partial sort); fewer than `limit` distinct events among them: no bound at all.
        conditions.append(
            "occurred_at_us >= (SELECT if(uniqExact(event_id) < %(limit)s, 0, min(occurred_at_us)) FROM "
            f"(SELECT occurred_at_us, event_id FROM operations WHERE {' AND '.join(conditions)} "
            "ORDER BY occurred_at_us DESC LIMIT %(probe)s))"
        )
        parameters["probe"] = window.probe
    # Duplicate deliveries are identical rows with the same (occurred_at_us, event_id): LIMIT 1 BY keeps one
    # before merges collapse them, and the keyset condition skips every copy of the last event returned,
    # so no page boundary can split them.
    sql = (
        f"SELECT {COLUMNS} FROM operations WHERE {' AND '.join(conditions)} "
        "ORDER BY occurred_at_us DESC, event_id DESC LIMIT 1 BY event_id LIMIT %(limit)s"
    )
    return sql, parameters


# Per second of ingestion the oldest event's occurred_at (clickhouse/006_ingestion_lag.sql); the second's end is taken.
INGESTION_LAG = (
    "SELECT count(), max(toUInt32(ingested_at) + 1 - oldest / 1000000) FROM (SELECT ingested_at, "
    "minMerge(oldest_occurred_at_us) AS oldest FROM ingestion_lag WHERE ingested_at >= now() - %(window_s)s "
    "GROUP BY ingested_at)"
)


def translate(exc: ClickHouseError) -> AnalyticsError | None:
    """The Analytics error a driver failure means, or None when it is a bug to let through."""
    code = _server_code(exc)
    if code in _TIMEOUT_CODES or _caused_by(exc, TimeoutError):
        return StoreTimeout("the analytics store did not answer in time")
    if isinstance(exc, OperationalError) or code in _UNAVAILABLE_CODES:
        return StoreUnavailable("the analytics store is unavailable")
    return None


def _server_code(exc: BaseException) -> int | None:
    found = _SERVER_CODE.search(str(exc))
    return int(found.group(1)) if found else None


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class ClickHouseOperations:
    """The OperationsRepository over ClickHouse. Connects lazily: the service starts, and answers
    ANALYTICS_STORE_UNAVAILABLE, while ClickHouse is down, and recovers without a restart."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(settings.clickhouse_max_connections, thread_name_prefix="clickhouse")
        self._pool = httputil.get_pool_manager(maxsize=settings.clickhouse_max_connections)
        self._windows = Windows()

    async def newest_first(self, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Operation]:
        async def read(window: Window) -> list[Operation]:
            # A time window holds a few granules: one thread reads them for ~1.3 ms less server CPU than two. The
            # exact bound's subquery reads the whole account and keeps the server's parallelism.
            threads = {} if isinstance(window, Newest) else {"max_threads": 1}
            return await self._rows(*history_sql(history_filter, after, limit, window), threads)

        # Bounds the whole call, every window and connection retry included, by the caller's deadline if sooner
        # (kernel.deadlines: no one waits for an answer its client gave up on); a thread ends on its socket timeout.
        budget = deadlines.remaining(self._settings.query_timeout_s + 2 * self._settings.clickhouse_connect_timeout_s)
        try:
            return await asyncio.wait_for(self._windows.newest_first(read, history_filter, after, limit), budget)
        except TimeoutError:
            log.warning("ClickHouse query exceeded %.1fs", budget)
            raise StoreTimeout("the analytics store did not answer in time") from None

    async def period_summaries(self, query: SummaryQuery) -> list[PeriodSummary]:
        rows = await self._bounded(summary_sql(query))
        return [period_summary(row, query.period) for row in rows]

    async def counterparties(self, query: CounterpartyQuery) -> list[Counterparty]:
        return [counterparty(row) for row in await self._bounded(counterparties_sql(query))]

    async def _bounded(self, sql: tuple[str, dict[str, Any]]) -> Sequence[Sequence[Any]]:
        """One aggregate query within the caller's deadline (as newest_first's windows are)."""
        budget = deadlines.remaining(self._settings.query_timeout_s + 2 * self._settings.clickhouse_connect_timeout_s)
        try:
            return await asyncio.wait_for(self._select(*sql, {}), budget)
        except TimeoutError:
            log.warning("ClickHouse query exceeded %.1fs", budget)
            raise StoreTimeout("the analytics store did not answer in time") from None

    async def _rows(self, sql: str, parameters: dict[str, Any], settings: dict[str, Any]) -> list[Operation]:
        return [operation(row) for row in await self._select(sql, parameters, settings)]

    async def _select(self, sql: str, parameters: dict[str, Any], settings: dict[str, Any]) -> Sequence[Sequence[Any]]:
        loop = asyncio.get_running_loop()
        # The server stops the query when the caller's deadline passes (whole seconds: 18.16's unit).
        settings = {
            "max_execution_time": max(1, math.ceil(deadlines.remaining(self._settings.query_timeout_s)))
        } | settings
        try:
            # In the caller's context (as asyncio.to_thread does): the query's HTTP span joins the request's trace.
            query = functools.partial(contextvars.copy_context().run, self._query, sql, parameters, settings)
            rows = await loop.run_in_executor(self._executor, query)
        except ClickHouseError as exc:
            error = translate(exc)
            if error is None:
                raise
            # The class and server code only: driver messages can carry the query and its values.
            log.warning("ClickHouse query failed: %s code=%s", type(exc).__name__, _server_code(exc))
            raise error from exc
        return rows

    def ingestion_lag_s(self, window_s: int) -> float | None:
        """The longest any event ingested in the last `window_s` seconds took from occurring to its row here (rounded up
        to the second), None when none was. Blocking: for a metrics scrape's own thread."""
        query = self._connected().query(
            INGESTION_LAG, parameters={"window_s": window_s}, settings={"max_execution_time": 1}
        )
        ingested, lag = query.result_rows[0]
        return max(0.0, float(lag)) if ingested else None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def _query(self, sql: str, parameters: dict[str, Any], settings: dict[str, Any]) -> Sequence[Sequence[Any]]:
        # A window's few granules are read again and again (every first page, every walk): keep them decompressed
        # (~1.9 ms less server CPU a page).
        settings = {"use_uncompressed_cache": 1, **settings}
        return self._connected().query(sql, parameters=parameters, settings=settings).result_rows

    def _connected(self) -> Client:
        with self._lock:
            if self._client is None:
                s = self._settings
                self._client = clickhouse.query_client(
                    s,
                    connect_timeout=s.clickhouse_connect_timeout_s,
                    # a little above max_execution_time, so the server's own timeout error arrives first
                    send_receive_timeout=s.query_timeout_s + 1,
                    pool_mgr=self._pool,
                )
            return self._client
