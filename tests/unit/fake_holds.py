"""The in-memory unit of work of holds (bank.service_layer.hold_service.HoldUnitOfWork), for unit tests."""

import copy
import uuid
from collections.abc import Iterable
from datetime import datetime

from bank.domain.holds import Hold, HoldStatus
from bank.domain.model import Account, Transfer
from tests.unit.fake_unit_of_work import FakeStore, FakeUnitOfWork


class FakeHoldStore(FakeStore):
    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        super().__init__(accounts)
        self.holds: dict[uuid.UUID, Hold] = {}


class FakeHoldUnitOfWork(FakeUnitOfWork):
    store: FakeHoldStore

    async def add_hold(self, hold: Hold) -> None:
        self.store.holds[hold.id] = copy.deepcopy(hold)

    async def find_hold(self, account_id: uuid.UUID, key: str) -> Hold | None:
        found = (h for h in self.store.holds.values() if h.account_id == account_id and h.idempotency_key == key)
        return copy.deepcopy(next(found, None))

    async def get_hold(self, hold_id: uuid.UUID, lock: bool = False) -> Hold | None:
        return copy.deepcopy(self.store.holds.get(hold_id))

    async def lock_due_holds(self, at: datetime, limit: int) -> list[Hold]:
        due = sorted((h for h in self.store.holds.values() if h.is_due(at)), key=lambda h: h.expires_at)
        return copy.deepcopy(due[:limit])

    async def holds_of(self, account_id: uuid.UUID, status: HoldStatus | None, limit: int) -> list[Hold]:
        found = [
            h
            for h in self.store.holds.values()
            if account_id in (h.account_id, h.to_account_id) and status in (None, h.status)
        ]
        return copy.deepcopy(sorted(found, key=lambda h: h.created_at, reverse=True)[:limit])

    async def save_hold(self, hold: Hold) -> None:
        self.store.holds[hold.id] = copy.deepcopy(hold)

    async def add_transfer(self, transfer: Transfer) -> None:
        self.store.transfers.append(copy.deepcopy(transfer))
