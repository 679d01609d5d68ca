"""Double entry: every movement of money is a set of entries, one per account it touches, that sum to zero.

An entry's amount is the change it makes to its account's balance: positive credits the account, negative debits
it. An account's balance is the sum of its entries, and the entries of every currency sum to zero, because money
comes into the Wallet only against one of its internal accounts: the card network's settlement account (top-ups)
or the opening-balances equity account (accounts loaded with a balance). Internal accounts belong to nobody and may
go below zero; a customer's balance never does."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bank.domain.model import Deposit, Transfer

# Namespace of the internal accounts' ids: one account of each kind per currency, the same id on every database.
INTERNAL_ACCOUNTS = uuid.UUID("0d7a4c1e-5b8f-4e52-9a3b-6c2f1e8d9b70")


class AccountKind(StrEnum):
    CUSTOMER = "customer"  # a user's: never below zero, less its holds
    SETTLEMENT = "settlement"  # the card network's: what it owes the Wallet for top-ups (below zero)
    EQUITY = "equity"  # opening balances: money put into accounts outside any movement (seeds, tests, back-fill)


INTERNAL_KINDS = (AccountKind.SETTLEMENT, AccountKind.EQUITY)


class MovementType(StrEnum):
    OPENING = "opening"
    TRANSFER = "transfer"  # reversals and captured holds are transfers too
    DEPOSIT = "deposit"


@dataclass(frozen=True)
class Entry:
    movement_id: uuid.UUID
    movement_type: MovementType
    account_id: uuid.UUID
    amount: Decimal  # signed: the change to the account's balance
    currency: str
    created_at: datetime  # the movement's time, which history shows and point-in-time balances use


def internal_account_id(kind: AccountKind, currency: str) -> uuid.UUID:
    """The internal account of `kind` in `currency`: created when first used, with this id everywhere."""
    return uuid.uuid5(INTERNAL_ACCOUNTS, f"{kind.value}:{currency}")


def _pair(
    movement_id: uuid.UUID,
    movement_type: MovementType,
    debited: uuid.UUID,
    credited: uuid.UUID,
    amount: Decimal,
    currency: str,
    at: datetime,
) -> list[Entry]:
    return [
        Entry(movement_id, movement_type, debited, -amount, currency, at),
        Entry(movement_id, movement_type, credited, amount, currency, at),
    ]


def transfer_entries(transfer: Transfer) -> list[Entry]:
    return _pair(
        transfer.id,
        MovementType.TRANSFER,
        transfer.from_account_id,
        transfer.to_account_id,
        transfer.amount,
        transfer.currency,
        transfer.created_at,
    )


def deposit_entries(deposit: Deposit) -> list[Entry]:
    """A top-up credits the account against the card network's settlement account."""
    settlement = internal_account_id(AccountKind.SETTLEMENT, deposit.currency)
    return _pair(
        deposit.id,
        MovementType.DEPOSIT,
        settlement,
        deposit.account_id,
        deposit.amount,
        deposit.currency,
        deposit.created_at,
    )


def opening_entries(
    movement_id: uuid.UUID, account_id: uuid.UUID, amount: Decimal, currency: str, at: datetime
) -> list[Entry]:
    """An account loaded with `amount` (seeds, tests): credited against the opening-balances equity account."""
    equity = internal_account_id(AccountKind.EQUITY, currency)
    return _pair(movement_id, MovementType.OPENING, equity, account_id, amount, currency, at)


def is_balanced(entries: Iterable[Entry]) -> bool:
    """Every currency's entries sum to zero."""
    totals: dict[str, Decimal] = {}
    for entry in entries:
        totals[entry.currency] = totals.get(entry.currency, Decimal(0)) + entry.amount
    return not any(totals.values())
