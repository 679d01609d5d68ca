"""The part of a unit of work every service's use cases rely on: one transaction and idempotency-key locks."""

from types import TracebackType
from typing import Protocol, Self


class Transaction(Protocol):
    """One database transaction; leaving it without commit() rolls everything back."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def lock_idempotency_key(self, scope: str, key: str) -> None:
        """Wait (bounded) until no other transaction holds this key; raise the service's key-in-flight error."""
