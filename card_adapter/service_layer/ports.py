"""What the use cases need from the outside: the database, the payment gateway, the Bank, worker claims."""

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import Charge
from card_adapter.domain.topup import TopUp
from kernel.transaction import Transaction


class UnitOfWork(Transaction, Protocol):
    """One database transaction over the topups table; leaving it without commit() rolls everything back."""

    async def find_topup_by_key(self, account_id: uuid.UUID, key: str) -> TopUp | None: ...

    async def get_topup(self, topup_id: uuid.UUID) -> TopUp | None: ...

    async def add_topup(self, topup: TopUp) -> None: ...

    async def save_topup(self, topup: TopUp) -> None:
        """Store the top-up's new state if nobody changed it since it was read (else ConcurrencyConflict);
        bumps topup.version."""

    async def unfinished_topups(self, untouched_since: datetime | None) -> list[TopUp]:
        """Top-ups not yet in a final state, optionally only those not updated since the given time."""


UnitOfWorkFactory = Callable[[], UnitOfWork]


class PaymentGateway(Protocol):
    """The card payment gateway (external). Every call may raise PaymentOutcomeUnknown."""

    async def charge(self, card: Card, amount: Decimal, currency: str, idempotency_id: str) -> Charge:
        """Capture the amount; the same idempotency_id never captures twice. Raises CardDeclined."""

    async def find_charge(self, idempotency_id: str) -> Charge | None: ...

    async def refund(self, charge_id: str) -> None:
        """Refund the whole charge; refunding it again is a no-op."""


class Bank(Protocol):
    """The Bank, as the Card Adapter uses it."""

    async def check_account(self, account_id: uuid.UUID, currency: str) -> None:
        """Raise AccountNotFound or CurrencyMismatch; return quietly when the Bank cannot say."""

    async def deposit(self, topup: TopUp) -> None:
        """Credit the top-up once per charge id. Raises DepositRejected, DepositNotSent or DepositOutcomeUnknown."""


class Claims(Protocol):
    """Exclusive ownership of a top-up by one worker, across processes; released if the worker dies."""

    def hold(self, topup_id: uuid.UUID) -> AbstractAsyncContextManager[bool]:
        """Yields True while this worker owns the top-up, False if another worker does."""
