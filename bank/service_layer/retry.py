"""Re-run a whole unit of work when the database aborted it for a concurrency conflict."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kernel.errors import ConcurrencyConflict

ATTEMPTS = 5
T = TypeVar("T")


async def retry_conflicts(work: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except ConcurrencyConflict:
            if attempt == attempts:
                raise
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
