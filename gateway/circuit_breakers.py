"""A circuit breaker per backend (purgatory). After `threshold` failures in a row of a backend (unavailable, timed
out, failing), its routes answer 503 with Retry-After at once, for `ttl_s`, instead of making every request wait for
a timeout. Then the next call probes it (half-open): a success closes the breaker, a failure opens it again.
Answers that are the client's (4xx) are not failures, and neither is a client that went away."""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from gateway.problem_details import ProblemError

log = logging.getLogger("gateway.breakers")
T = TypeVar("T")


def _is_clients(error: ProblemError) -> bool:
    return error.status < 500


class CircuitBreakers:
    def __init__(self, threshold: int, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl_s,
            exclude=[asyncio.CancelledError, (ProblemError, _is_clients)],
        )
        self._factory.add_listener(self._log_change)
        self._states: dict[str, str] = {}

    async def call(self, backend: str, work: Callable[[], Awaitable[T]]) -> T:
        """`work` through `backend`'s breaker; when it is open, a 503 problem without calling."""
        try:
            async with await self._factory.get_breaker(backend):
                return await work()
        except OpenedState as opened:
            retry_after = max(1, math.ceil(opened.opened_at + self._ttl_s - time.time()))
            raise ProblemError(
                503,
                f"{backend}_unavailable",
                f"The {backend} service is unavailable",
                f"the {backend} service failed repeatedly; calls to it resume in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            ) from opened

    def states(self) -> dict[str, str]:
        """Each backend called so far: closed, opened or half-opened."""
        return dict(self._states)

    def _log_change(self, backend: str, event_name: str, event: Any) -> None:
        if event_name == "state_changed":
            self._states[backend] = event.state
            level = logging.INFO if event.state == "closed" else logging.WARNING
            log.log(level, "circuit breaker of %s is %s", backend, event.state)
        elif event_name == "circuit_breaker_created":
            self._states[backend] = "closed"
