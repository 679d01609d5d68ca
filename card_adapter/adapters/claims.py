"""Worker claims as PostgreSQL session advisory locks: held on a dedicated connection, freed if the worker dies."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kernel.postgres import translate

_NAMESPACE = "card_adapter.topup"


class AdvisoryLockClaims:
    def __init__(self, engine: AsyncEngine) -> None:
        # Best a NullPool engine: every claim ends its session, so a pool would keep nothing worth reusing.
        self._engine = engine

    @asynccontextmanager
    async def hold(self, topup_id: uuid.UUID) -> AsyncIterator[bool]:
        with _translated():
            conn = await self._engine.connect()
        try:
            with _translated():
                owned = await _try_lock(conn, topup_id)
            yield owned
        finally:
            await _end_session(conn)


async def _try_lock(conn: AsyncConnection, topup_id: uuid.UUID) -> bool:
    key = func.hashtextextended(f"{_NAMESPACE}:{topup_id}", 0)
    owned = bool(await conn.scalar(select(func.pg_try_advisory_lock(key))))
    await conn.commit()  # leave no transaction open for the whole settlement
    return owned


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise (translate(exc) or exc) from exc


async def _end_session(conn: AsyncConnection) -> None:
    """End the session itself, whatever the engine's pool: only that frees its advisory locks for sure. Back in a
    pool the connection would keep them, and after a failed lock query or commit nobody knows whether it holds one."""
    with contextlib.suppress(Exception):  # a broken connection has lost its locks already
        await conn.invalidate()
    with contextlib.suppress(Exception):
        await conn.close()
