"""Rate limits counted in a store every gateway process shares (Redis), so N replicas still allow the limit once."""

import asyncio
import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from gateway.problem_details import ProblemError

log = logging.getLogger("gateway.rate_limits")


class RateLimits:
    def __init__(self, storage_url: str, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        options = {"implementation": "redispy"} if "redis" in url.split("://")[0] else {}
        self._limiter = MovingWindowRateLimiter(storage_from_string(url, **options))

    async def hit(self, limits: str, scope: str, key: str) -> None:
        """Count one request of `key` under `scope`; over any of `limits`, raise 429 with Retry-After."""
        await self._check(limits, scope, key, count=True)

    async def test(self, limits: str, scope: str, key: str) -> None:
        """Raise 429 if `key` is over a limit already, counting nothing (e.g. failed logins, counted by hit())."""
        await self._check(limits, scope, key, count=False)

    async def _check(self, limits: str, scope: str, key: str, count: bool) -> None:
        # A store that cannot be reached, or answers too slowly, lets requests through, logged: limiting must
        # not stop payments.
        try:
            async with asyncio.timeout(self._timeout_s):
                for item in parse_many(limits):
                    check = self._limiter.hit if count else self._limiter.test
                    if not await check(item, scope, key):
                        raise _too_many(item, await self._retry_after(item, scope, key))
        except ProblemError:
            raise
        except Exception as error:  # whatever the store's client raises
            log.warning("rate limit store unavailable, request allowed: %r", error)

    async def _retry_after(self, item: RateLimitItem, scope: str, key: str) -> int:
        stats = await self._limiter.get_window_stats(item, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _too_many(item: RateLimitItem, retry_after: int) -> ProblemError:
    return ProblemError(
        429,
        "rate_limited",
        "Too many requests",
        f"at most {item}; retry in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )
