"""The unit of work the use cases need: one transaction with locking reads and writes."""

import uuid
from collections.abc import Callable, Iterable
from typing import Protocol

from bank.domain.events import OutboxEvent
from bank.domain.ledger import Entry
from bank.domain.model import Account, Deposit, Transfer
from bank.domain.users import User
from kernel.transaction import Transaction


class UnitOfWork(Transaction, Protocol):
    """One database transaction over the Bank's tables; leaving it without commit() rolls everything back."""

    async def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """Lock the existing accounts among `ids` for update, always in the same order."""

    async def get_account(self, account_id: uuid.UUID) -> Account | None: ...

    async def save_accounts(self, accounts: Iterable[Account]) -> None: ...

    async def find_deposit(self, payment_id: str) -> Deposit | None: ...

    async def add_deposit(self, deposit: Deposit) -> None: ...

    async def add_entries(self, entries: Iterable[Entry]) -> None:
        """Record a movement's entries; the internal accounts among them move here (customers' by save_accounts)."""

    async def add_event(self, event: OutboxEvent) -> None: ...

    async def add_account(self, account: Account) -> None: ...

    async def accounts_of(self, owner_id: uuid.UUID) -> list[Account]:
        """The user's accounts, oldest first."""

    async def add_user(self, user: User) -> bool:
        """Insert the user; False (and nothing written) when its username or id exists already."""

    async def find_user(self, username: str) -> User | None: ...

    async def get_user(self, user_id: uuid.UUID) -> User | None: ...

    async def get_transfer(self, transfer_id: uuid.UUID) -> Transfer | None: ...

    async def find_reversal(self, transfer_id: uuid.UUID) -> Transfer | None:
        """The reversal of `transfer_id`, if it has one (at most one: transfers_reversed_once)."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
