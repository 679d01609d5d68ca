"""Worker claims as PostgreSQL session advisory locks: held on a dedicated connection, freed if the worker dies."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters.database import translate

_NAMESPACE = "card_adapter.topup"


class AdvisoryLockClaims:
    def __init__(self, engine: AsyncEngine) -> None:
        # A NullPool engine: a claim lives as long as its connection, never longer in a pool.
        self._engine = engine

    @asynccontextmanager
    async def hold(self, topup_id: uuid.UUID) -> AsyncIterator[bool]:
        key = func.hashtextextended(f"{_NAMESPACE}:{topup_id}", 0)
        try:
            conn = await self._engine.connect()
            owned = bool(await conn.scalar(select(func.pg_try_advisory_lock(key))))
            await conn.commit()  # leave no transaction open for the whole settlement
        except Exception as exc:
            raise (translate(exc) or exc) from exc
        try:
            yield owned
        finally:
            # Closing the session releases its advisory locks; a broken connection has lost them already.
            with contextlib.suppress(Exception):
                await conn.close()
