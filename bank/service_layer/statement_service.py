"""Use cases: an account's balance at an instant and its statement over a period, exact from the ledger's entries."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bank.domain import statement as statements
from bank.domain.statement import BalanceAt, Movement, Period, Statement
from bank.domain.users import Caller
from bank.service_layer.balance_service import get_balance
from bank.service_layer.unit_of_work import UnitOfWorkFactory
from kernel.clock import now


class LedgerReads(Protocol):
    """The ledger's entries and holds as they were at a past instant (PostgreSQL)."""

    async def balance_at(self, account_id: uuid.UUID, at: datetime) -> BalanceAt: ...

    async def movements(self, account_id: uuid.UUID, period: Period, limit: int) -> tuple[Decimal, list[Movement]]:
        """The balance just before period.start and, in time order, at most `limit` of the account's movements in
        the period, read in one snapshot."""


async def balance_at(
    uow_factory: UnitOfWorkFactory, reads: LedgerReads, account_id: uuid.UUID, at: str, caller: Caller | None
) -> BalanceAt:
    """The balance at `at` (RFC 3339, not in the future) for whoever may read the current one (else 404)."""
    instant = statements.past_instant(at, "at", now())
    await get_balance(uow_factory, account_id, caller)
    return await reads.balance_at(account_id, instant)


async def statement(
    uow_factory: UnitOfWorkFactory,
    reads: LedgerReads,
    account_id: uuid.UUID,
    start: str,
    end: str,
    caller: Caller | None,
) -> Statement:
    """The statement of [start, end) for whoever may read the account (else 404); a period too long or holding too
    many operations is refused (InvalidTimeRange) rather than answered in part."""
    period = Period.parse(start, end, now())
    account = await get_balance(uow_factory, account_id, caller)
    opening, movements = await reads.movements(account_id, period, statements.MAX_STATEMENT_LINES + 1)
    return statements.statement(account_id, account.currency, period, opening, movements)
