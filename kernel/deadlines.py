"""The deadline of the request being served, so that no hop waits longer than the client that asked. Where a request
enters a process (the gateway's middleware, every gRPC servicer through kernel.grpc_status.answer) it is set from the
caller's deadline; every wait below (a gRPC call, a database or ClickHouse query) takes at most `remaining()`."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Serve the block with `seconds` left (None: no deadline, e.g. a caller that set none)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining(default: float) -> float:
    """Seconds a wait may take: `default`, or less if the request's deadline comes sooner (0 once it has passed)."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    return max(0.0, min(default, deadline - time.monotonic()))
