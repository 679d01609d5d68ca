"""The unit of work the use cases need: one transaction with locking reads and writes."""

import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Protocol, Self

from bank.domain.events import OutboxEvent
from bank.domain.model import Account, Deposit, Transfer


class UnitOfWork(Protocol):
    """One database transaction; leaving it without commit() rolls everything back."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def lock_idempotency_key(self, scope: str, key: str) -> None:
        """Wait (bounded) until no other transaction holds this key; raise IdempotencyKeyInFlight."""

    async def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """Lock the existing accounts among `ids` for update, always in the same order."""

    async def get_account(self, account_id: uuid.UUID) -> Account | None: ...

    async def save_accounts(self, accounts: Iterable[Account]) -> None: ...

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None: ...

    async def add_transfer(self, transfer: Transfer) -> None: ...

    async def find_deposit(self, payment_id: str) -> Deposit | None: ...

    async def add_deposit(self, deposit: Deposit) -> None: ...

    async def add_event(self, event: OutboxEvent) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
