"""Deletes outbox rows older than the retention period, in small batches.

Safe at any time: Debezium reads the inserts from the WAL (kept by its slot until it confirms
them), not from the table, and the publication does not publish deletes."""

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("bank.outbox_retention")
BATCH = 5000


async def purge(engine: AsyncEngine, older_than: timedelta) -> int:
    """Delete outbox rows created more than `older_than` ago; returns how many were deleted."""
    deleted = 0
    while True:
        async with engine.begin() as conn:
            result = await conn.execute(
                text(
                    "DELETE FROM outbox WHERE id IN "
                    "(SELECT id FROM outbox WHERE created_at < now() - CAST(:age AS interval) LIMIT :batch)"
                ),
                {"age": older_than, "batch": BATCH},
            )
        deleted += result.rowcount
        if result.rowcount < BATCH:
            return deleted


async def purge_periodically(engine: AsyncEngine, older_than: timedelta, every: timedelta) -> None:
    """Run `purge` forever, every `every`; a failure is logged and retried on the next round."""
    while True:
        try:
            if deleted := await purge(engine, older_than):
                log.info("deleted %d outbox rows older than %s", deleted, older_than)
        except Exception as error:  # the database may be down; try again next round
            log.warning("outbox clean-up failed: %s", type(error).__name__)
        await asyncio.sleep(every.total_seconds())
