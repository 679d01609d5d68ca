"""In-memory stand-ins for the Card Adapter's ports (database, payment gateway, Bank, claims), for unit tests."""

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Self

from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import CardDeclined, Charge, PaymentGatewayTimeout, PaymentOutcomeUnknown
from card_adapter.domain.topup import TopUp
from kernel.errors import AccountNotFound, ConcurrencyConflict


class FakeUnitOfWork:
    def __init__(self, topups: dict[uuid.UUID, TopUp]) -> None:
        self.topups = topups
        self._pending: list[TopUp] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._pending.clear()

    async def commit(self) -> None:
        for topup in self._pending:
            self.topups[topup.id] = copy.deepcopy(topup)
        self._pending.clear()

    async def lock_idempotency_key(self, scope: str, key: str) -> None:
        pass

    async def find_topup_by_key(self, account_id: uuid.UUID, key: str) -> TopUp | None:
        found = [t for t in self.topups.values() if t.account_id == account_id and t.idempotency_key == key]
        return copy.deepcopy(found[0]) if found else None

    async def get_topup(self, topup_id: uuid.UUID) -> TopUp | None:
        return copy.deepcopy(self.topups.get(topup_id))

    async def add_topup(self, topup: TopUp) -> None:
        self._pending.append(copy.deepcopy(topup))

    async def save_topup(self, topup: TopUp) -> None:
        if self.topups[topup.id].version != topup.version:
            raise ConcurrencyConflict("changed")
        topup.version += 1
        self._pending.append(copy.deepcopy(topup))

    async def unfinished_topups(self, untouched_since: datetime | None) -> list[TopUp]:
        return [
            copy.deepcopy(t)
            for t in self.topups.values()
            if not t.final and (untouched_since is None or t.updated_at < untouched_since)
        ]


@dataclass
class FakeGateway:
    """Approves every charge unless told otherwise; `outages` calls fail with an unknown outcome first. A charge of
    a card in `timeouts` times out uncaptured; capture() is the gateway capturing it late."""

    declines: dict[str, str] = field(default_factory=dict)
    timeouts: set[str] = field(default_factory=set)
    capture_then_fail: bool = False
    outages: int = 0
    charges: dict[str, Charge] = field(default_factory=dict)
    refunds: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def _outage(self, what: str) -> None:
        self.calls.append(what)
        if self.outages:
            self.outages -= 1
            raise PaymentOutcomeUnknown("outage")

    async def charge(self, card: Card, amount: Decimal, currency: str, idempotency_id: str) -> Charge:
        self._outage("charge")
        if card.number in self.declines:
            raise CardDeclined(self.declines[card.number])
        if card.number in self.timeouts:
            raise PaymentGatewayTimeout("no answer")
        charge = self.capture(idempotency_id, amount, currency)
        if self.capture_then_fail:
            raise PaymentOutcomeUnknown("502 after capture")
        return charge

    def capture(self, idempotency_id: str, amount: Decimal = Decimal("10.00"), currency: str = "RUB") -> Charge:
        return self.charges.setdefault(
            idempotency_id, Charge(f"ch_{len(self.charges)}", idempotency_id, amount, currency, "captured")
        )

    async def find_charge(self, idempotency_id: str) -> Charge | None:
        self._outage("find_charge")
        return self.charges.get(idempotency_id)

    async def refund(self, charge_id: str) -> None:
        self._outage("refund")
        if charge_id not in self.refunds:
            self.refunds.append(charge_id)


@dataclass
class FakeBank:
    """Answers deposits from a script of outcomes (exceptions to raise, None for success), then succeeds."""

    script: list[Exception | None] = field(default_factory=list)
    accounts: dict[uuid.UUID, str] = field(default_factory=dict)
    deposits: list[str] = field(default_factory=list)
    attempts: int = 0

    async def check_account(self, account_id: uuid.UUID, currency: str) -> None:
        if self.accounts and account_id not in self.accounts:
            raise AccountNotFound("no such account")

    async def deposit(self, topup: TopUp) -> None:
        self.attempts += 1
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        if topup.charge_id not in self.deposits:
            self.deposits.append(topup.charge_id or "")


@dataclass
class FakeBankChannel:
    """A gRPC channel to the Bank that is READY or never gets there; a call sent over it raises `error`, if any."""

    ready: bool
    error: Exception | None = None
    sent: list[str] = field(default_factory=list)

    async def channel_ready(self) -> None:
        if not self.ready:
            await asyncio.Event().wait()

    def unary_unary(self, method: str, *args: object, **kwargs: object) -> Callable[..., Awaitable[None]]:
        async def call(request: object, **options: object) -> None:
            self.sent.append(method.rsplit("/", 1)[-1])
            if self.error is not None:
                raise self.error

        return call


@dataclass
class FakeClaims:
    taken_elsewhere: set[uuid.UUID] = field(default_factory=set)

    @asynccontextmanager
    async def hold(self, topup_id: uuid.UUID) -> AsyncIterator[bool]:
        yield topup_id not in self.taken_elsewhere


async def no_sleep(seconds: float) -> None:
    pass
