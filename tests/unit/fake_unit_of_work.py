"""An in-memory unit of work with the same contract as the PostgreSQL one, for unit tests."""

import copy
import uuid
from collections.abc import Iterable
from typing import Self

from bank.domain import ledger, model
from bank.domain.errors import AlreadyReversed
from bank.domain.events import OutboxEvent
from bank.domain.model import Account, Deposit, Transfer
from bank.domain.users import User
from bank.service_layer.transfer_service import TransferAttempt
from kernel.errors import ServiceError


class FakeStore:
    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        self.accounts = {a.id: a for a in accounts}
        self.transfers: list[Transfer] = []
        self.deposits: list[Deposit] = []
        self.events: list[OutboxEvent] = []
        self.entries: list[ledger.Entry] = []
        self.users: dict[uuid.UUID, User] = {}


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.committed = False

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(vars(self.store))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self.committed:
            vars(self.store).update(self._snapshot)

    async def commit(self) -> None:
        self.committed = True

    async def lock_idempotency_key(self, scope: str, key: str) -> None:
        pass

    async def lock_accounts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
        return {i: copy.deepcopy(self.store.accounts[i]) for i in ids if i in self.store.accounts}

    async def get_account(self, account_id: uuid.UUID) -> Account | None:
        return copy.deepcopy(self.store.accounts.get(account_id))

    async def save_accounts(self, accounts: Iterable[Account]) -> None:
        for account in accounts:
            self.store.accounts[account.id] = copy.deepcopy(account)

    async def find_deposit(self, payment_id: str) -> Deposit | None:
        return next((d for d in self.store.deposits if d.payment_id == payment_id), None)

    async def add_deposit(self, deposit: Deposit) -> None:
        self.store.deposits.append(deposit)

    async def add_entries(self, entries: Iterable[ledger.Entry]) -> None:
        self.store.entries.extend(entries)

    async def add_event(self, event: OutboxEvent) -> None:
        self.store.events.append(event)

    async def add_account(self, account: Account) -> None:
        self.store.accounts[account.id] = copy.deepcopy(account)

    async def accounts_of(self, owner_id: uuid.UUID) -> list[Account]:
        return [copy.deepcopy(a) for a in self.store.accounts.values() if a.owner_id == owner_id]

    async def add_user(self, user: User) -> bool:
        if user.id in self.store.users or any(u.username == user.username for u in self.store.users.values()):
            return False
        self.store.users[user.id] = copy.deepcopy(user)
        return True

    async def find_user(self, username: str) -> User | None:
        return next((copy.deepcopy(u) for u in self.store.users.values() if u.username == username), None)

    async def get_user(self, user_id: uuid.UUID) -> User | None:
        return copy.deepcopy(self.store.users.get(user_id))

    async def get_transfer(self, transfer_id: uuid.UUID) -> Transfer | None:
        return next((t for t in self.store.transfers if t.id == transfer_id), None)

    async def find_reversal(self, transfer_id: uuid.UUID) -> Transfer | None:
        return next((t for t in self.store.transfers if t.reverses_transfer_id == transfer_id), None)


class FakeTransfers:
    """The transfer statement's contract over the in-memory store: all or nothing, what it saw when it refused."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def try_transfer(self, transfer: Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
        ids = (transfer.from_account_id, transfer.to_account_id)
        seen = {i: copy.deepcopy(self.store.accounts[i]) for i in ids if i in self.store.accounts}
        earlier = await self.find_transfer(transfer.from_account_id, transfer.idempotency_key or "")
        sender, recipient = (copy.deepcopy(seen.get(i)) for i in ids)
        if earlier or sender is None or recipient is None or sender.owner_id != owner or recipient.kind != "customer":
            return TransferAttempt(False, seen, earlier)
        try:
            model.move(transfer, sender, recipient)
        except ServiceError:
            return TransferAttempt(False, seen)
        if transfer.reverses_transfer_id and any(
            t.reverses_transfer_id == transfer.reverses_transfer_id for t in self.store.transfers
        ):  # the database's UNIQUE transfers_reversed_once
            raise AlreadyReversed("the transfer was reversed already")
        self.store.accounts.update({sender.id: sender, recipient.id: recipient})
        self.store.transfers.append(transfer)
        self.store.entries.extend(ledger.transfer_entries(transfer))
        self.store.events.append(event)
        return TransferAttempt(True, seen)

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None:
        if not key:
            return None
        return next(
            (t for t in self.store.transfers if t.from_account_id == from_account_id and t.idempotency_key == key), None
        )
