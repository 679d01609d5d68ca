"""The gateway's rate limiter: 429 with Retry-After over a limit, and requests let through when the store is gone."""

import logging
import socket
import time

import pytest

from gateway.problem_details import ProblemError
from gateway.rate_limits import RateLimits


async def test_over_a_limit_is_429_with_retry_after() -> None:
    limits = RateLimits("memory://", timeout_s=1)
    await limits.hit("2/minute", "money", "alice")
    await limits.hit("2/minute", "money", "alice")
    await limits.hit("2/minute", "money", "bob")  # counted per key
    with pytest.raises(ProblemError) as refused:
        await limits.hit("2/minute", "money", "alice")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers and 1 <= int(refused.value.headers["Retry-After"]) <= 60


async def test_test_counts_nothing() -> None:
    limits = RateLimits("memory://", timeout_s=1)
    for _ in range(5):
        await limits.test("1/minute", "failed-login", "carol")
    await limits.hit("1/minute", "failed-login", "carol")
    with pytest.raises(ProblemError):
        await limits.test("1/minute", "failed-login", "carol")


async def test_a_store_that_does_not_answer_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        limits = RateLimits(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout_s=0.2)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, "gateway.rate_limits"):
            await limits.hit("1/minute", "money", "alice")
            await limits.hit("1/minute", "money", "alice")
    assert time.monotonic() - started < 2
    assert "rate limit store unavailable, request allowed" in caplog.text
