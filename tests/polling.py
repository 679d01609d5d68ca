"""Waiting for a condition in tests: poll it, never sleep a fixed time."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx


async def eventually(
    check: Callable[[], Awaitable[object]] | Callable[[], object], timeout: float, what: str, every: float = 0.1
) -> None:
    """Return once `check` holds (a true value); fail naming `what` if it still does not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        await asyncio.sleep(every)


async def wait_ready(api: httpx.AsyncClient, timeout: float = 15) -> None:
    """The gateway's channel reconnects with backoff; a client sees readiness come back first."""

    async def ready() -> bool:
        return (await api.get("/health/ready")).status_code == 200

    await eventually(ready, timeout, "the gateway to see the Bank again")


async def wait_card_adapter_ready(api: httpx.AsyncClient, timeout: float = 15) -> None:
    async def serving() -> bool:
        return (await api.get("/health/ready")).json()["checks"].get("card_adapter") == "serving"

    await eventually(serving, timeout, "the gateway to see the Card Adapter come up")
