"""The Card Adapter's worker claims on the real PostgreSQL: whatever fails, the connection goes back and the lock is
freed (a leaked one would keep its top-up from every other worker)."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from card_adapter.adapters.claims import AdvisoryLockClaims
from kernel.errors import DatabaseUnavailable
from stack.config import StackConfig


@pytest.fixture
async def pooled(database: StackConfig) -> AsyncIterator[AsyncEngine]:
    """One pooled connection: a claim that did not give it back makes the next one wait out pool_timeout."""
    engine = create_async_engine(database.card_adapter_database_url, pool_size=1, max_overflow=0, pool_timeout=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def other_worker(database: StackConfig) -> AsyncIterator[AdvisoryLockClaims]:
    """Claims over sessions of their own, as another replica of the adapter has."""
    engine = create_async_engine(database.card_adapter_database_url, poolclass=NullPool)
    yield AdvisoryLockClaims(engine)
    await engine.dispose()


async def assert_released(pooled: AsyncEngine, other_worker: AdvisoryLockClaims, topup_id: uuid.UUID) -> None:
    assert pooled.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with other_worker.hold(topup_id) as owned:
        assert owned, "the lock outlived the claim"
    async with AdvisoryLockClaims(pooled).hold(uuid.uuid4()) as owned:
        assert owned


async def test_a_claim_gives_back_its_connection_and_lock(
    pooled: AsyncEngine, other_worker: AdvisoryLockClaims
) -> None:
    topup_id = uuid.uuid4()
    async with AdvisoryLockClaims(pooled).hold(topup_id) as owned:
        assert owned
        async with other_worker.hold(topup_id) as elsewhere:
            assert not elsewhere
    await assert_released(pooled, other_worker, topup_id)


# Each takes the lock, then fails: by ending its own session (the server frees the lock, the connection breaks), or
# with an error (the session lives on and keeps the lock: a rollback does not free a session's advisory lock).
LOCK_QUERY_FAILURES = {
    "session killed": (
        "SELECT pg_terminate_backend(pg_backend_pid()) FROM ({}) AS l(taken) WHERE taken",
        DatabaseUnavailable,
    ),
    "query error": ("SELECT taken AND 1 / (taken::int - 1) = 0 FROM ({}) AS l(taken)", DBAPIError),
}


@pytest.mark.parametrize(("failing_query", "error"), LOCK_QUERY_FAILURES.values(), ids=LOCK_QUERY_FAILURES.keys())
async def test_a_failed_lock_query_frees_connection_and_lock(
    pooled: AsyncEngine, other_worker: AdvisoryLockClaims, failing_query: str, error: type[Exception]
) -> None:
    def lock_then_fail(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> tuple[str, Any]:
        return (failing_query.format(statement) if "pg_try_advisory_lock" in statement else statement), parameters

    await assert_fails_then_releases(pooled, other_worker, error, "before_cursor_execute", lock_then_fail, retval=True)


async def test_a_failed_commit_after_locking_frees_connection_and_lock(
    pooled: AsyncEngine, other_worker: AdvisoryLockClaims
) -> None:
    def commit_fails(conn: Any) -> None:  # the session lives on, holding the lock it just took
        raise ConnectionResetError("commit lost")

    await assert_fails_then_releases(pooled, other_worker, DatabaseUnavailable, "commit", commit_fails)


async def assert_fails_then_releases(
    pooled: AsyncEngine,
    other_worker: AdvisoryLockClaims,
    error: type[Exception],
    event_name: str,
    hook: Callable[..., Any],
    **listen: bool,
) -> None:
    """With `hook` on the engine's `event_name`, a claim fails with `error`; then its connection and lock are free."""
    topup_id = uuid.uuid4()
    event.listen(pooled.sync_engine, event_name, hook, **listen)
    with pytest.raises(error):
        async with AdvisoryLockClaims(pooled).hold(topup_id):
            pytest.fail("a claim whose lock query or commit failed was held")
    event.remove(pooled.sync_engine, event_name, hook)
    await assert_released(pooled, other_worker, topup_id)
