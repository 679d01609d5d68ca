"""The public JSON shapes of the REST API (contracts/openapi.yaml); never ORM tables."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kernel.free_text import FREE_TEXT_PATTERN

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$"
Amount = Field(
    pattern=AMOUNT_PATTERN,
    description="Decimal string greater than zero with at most 2 decimals",
    examples=["100.50"],
)


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_account_id: UUID
    amount: str = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["RUB"])
    description: str | None = Field(
        default=None, max_length=255, pattern=FREE_TEXT_PATTERN, description="One line, no control characters"
    )


class ReversalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(
        default=None,
        pattern=AMOUNT_PATTERN,
        description="Greater than zero, at most the transfer's amount, at most 2 decimals; omitted: the whole amount",
        examples=["10.00"],
    )
    description: str | None = Field(
        default=None, max_length=255, pattern=FREE_TEXT_PATTERN, description="One line, no control characters"
    )


class Transfer(BaseModel):
    transfer_id: UUID
    from_account_id: UUID
    to_account_id: UUID
    amount: str = Field(examples=["100.50"])
    currency: str
    description: str | None = None
    status: str = Field(examples=["completed"])
    created_at: str = Field(description="RFC 3339 timestamp, UTC")
    kind: Literal["transfer", "reversal", "capture"] = Field(
        "transfer", description="reversal: corrects reverses_transfer_id; capture: the captured part of hold_id"
    )
    reverses_transfer_id: UUID | None = None
    hold_id: UUID | None = None


class TransferWithReversal(Transfer):
    reversed_by_transfer_id: UUID | None = Field(
        None, description="The transfer's reversal (kind reversal, reverses_transfer_id this one); null while none"
    )


class Balance(BaseModel):
    account_id: UUID
    balance: str = Field(examples=["1000.00"], description="Sum of the account's ledger entries")
    held: str = Field(examples=["0.00"], description="Reserved by open holds: part of the balance, not spendable")
    available: str = Field(examples=["1000.00"], description="balance - held: what transfers and holds may spend")
    currency: str
    updated_at: str = Field(description="RFC 3339 timestamp, UTC: the balance's last change (as of `at`)")
    at: str = Field(
        description="RFC 3339 timestamp, UTC: the instant the balance is of (the `at` asked for, else the read time)"
    )


class BalanceQuery(BaseModel):
    """The query string of GET /accounts/{accountId}/balance."""

    at: AwareDatetime | None = Field(
        default=None,
        description="The balance at this RFC 3339 time with an offset, e.g. 2026-03-01T00:00:00Z: every movement at "
        "or before it, and the holds open at it. Not in the future (400); before the account existed 0.00",
    )


class StatementQuery(BaseModel):
    """The query string of GET /accounts/{accountId}/statement."""

    start: AwareDatetime = Field(
        alias="from", description="RFC 3339 time with an offset: movements at or after it (inclusive)"
    )
    end: AwareDatetime = Field(
        alias="to",
        description="RFC 3339 time with an offset: movements before it (exclusive); not in the future, at most 366 "
        "days after from",
    )


class StatementLine(BaseModel):
    movement_id: UUID = Field(description="The transfer_id of a transfer (reversal, capture), the top-up's deposit id")
    kind: Literal["opening", "transfer", "reversal", "capture", "topup"]
    amount: str = Field(examples=["-100.50"], description="Signed: the change to the account's balance")
    direction: Literal["debit", "credit"] = Field(description="debit: money left the account; credit: it came in")
    counterparty_account_id: UUID | None = Field(default=None, description="The other account of a transfer")
    description: str | None = None
    occurred_at: str = Field(description="RFC 3339 timestamp, UTC, with microseconds")
    balance_after: str = Field(examples=["899.50"], description="The account's balance right after this movement")


class Statement(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: UUID
    currency: str
    start: str = Field(alias="from", description="RFC 3339 timestamp, UTC: the period's start (inclusive)")
    end: str = Field(alias="to", description="RFC 3339 timestamp, UTC: the period's end (exclusive)")
    opening_balance: str = Field(
        examples=["1000.00"],
        description="The balance just before `from`: the balance at `from` less any movement at exactly `from`",
    )
    closing_balance: str = Field(
        examples=["899.50"],
        description="The balance just before `to` (= opening_balance + total_in - total_out): the balance at `to` "
        "less any movement at exactly `to`",
    )
    total_in: str = Field(examples=["0.00"], description="Credits in the period")
    total_out: str = Field(examples=["100.50"], description="Debits in the period, a positive decimal string")
    count: int = Field(description="Operations in the period (at most 1000: a longer one answers 400)")
    operations: list[StatementLine] = Field(description="Oldest first")


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}
    # The circuit breaker of each backend called so far: closed, opened (its routes answer 503) or half-opened.
    breakers: dict[str, str] = {}


class CardIn(BaseModel):
    """Card data: passed to the Card Adapter for the charge, never stored or logged (hidden from repr too)."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(
        repr=False,
        pattern=r"^[0-9][0-9 -]{10,24}[0-9]$",
        description="Card number (PAN): 12 to 19 digits, spaces or dashes allowed; must pass the Luhn check",
        examples=["4242 4242 4242 4242"],
    )
    exp_month: int = Field(ge=1, le=12, examples=[12])
    exp_year: int = Field(ge=2000, le=2100, description="Four-digit year; the card is valid through exp_month")
    cvc: str = Field(repr=False, pattern=r"^[0-9]{3,4}$", examples=["123"])
    holder_name: str = Field(
        min_length=2,
        max_length=100,
        pattern=FREE_TEXT_PATTERN,
        description="Letters, spaces, dots, apostrophes and hyphens",
        examples=["ALICE SMITH"],
    )


class TopUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["RUB"])
    card: CardIn


class TopUp(BaseModel):
    topup_id: UUID
    account_id: UUID
    amount: str = Field(examples=["100.00"])
    currency: str
    status: Literal["completed", "declined", "pending"] = Field(
        description="completed: the account is credited. declined: no money moved (see reason). "
        "pending: still settling; poll status_url"
    )
    reason: str | None = Field(
        default=None,
        description="Why a top-up was declined: card_declined, insufficient_card_funds, payment_gateway_timeout, "
        "payment_gateway_error, interrupted, deposit_failed (the card was charged, then refunded)",
    )
    state: str = Field(
        description="The detailed state: requested, charged, deposited, declined, failing (declined, watched for a "
        "late capture), failed, refunding or refunded"
    )
    card_last4: str = Field(examples=["4242"])
    card_brand: str = Field(examples=["visa"])
    payment_id: str | None = Field(default=None, description="The payment gateway's charge id, once charged")
    status_url: str = Field(description="Where to read this top-up's current state")
    created_at: str = Field(description="RFC 3339 timestamp, UTC")
    updated_at: str = Field(description="RFC 3339 timestamp, UTC")


OperationType = Literal["transfer", "topup"]


class OperationsQuery(BaseModel):
    """The query string of GET /accounts/{accountId}/operations."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size")
    cursor: str | None = Field(
        default=None,
        max_length=256,
        description="`next_cursor` of the previous page; type, from and to must stay the same (else 400)",
    )
    types: list[OperationType] = Field(
        default=[],
        alias="type",
        description="Only these operation types; repeat for several (`type=transfer&type=topup`)",
    )
    start: AwareDatetime | None = Field(
        default=None,
        alias="from",
        description="Operations at or after this RFC 3339 time with an offset, e.g. 2026-01-01T00:00:00Z (inclusive)",
    )
    end: AwareDatetime | None = Field(
        default=None, alias="to", description="Operations before this RFC 3339 time with an offset (exclusive)"
    )


class Operation(BaseModel):
    event_id: UUID = Field(description="Identifies this item; each event appears once per account")
    type: OperationType
    direction: Literal["debit", "credit"] = Field(description="debit: money left the account; credit: it came in")
    amount: str = Field(examples=["100.50"], description="Decimal string greater than zero; direction gives the sign")
    currency: str
    occurred_at: str = Field(description="RFC 3339 timestamp, UTC, with microseconds")
    counterparty_account_id: UUID | None = Field(
        default=None, description="The other account of a transfer; null for a top-up"
    )
    operation_id: str = Field(
        description="The transfer_id of a transfer; the topup_id of a top-up (see GET /accounts/{accountId}/topups/…)"
    )
    description: str | None = None
    kind: Literal["transfer", "reversal", "capture", "topup"] = Field(
        description="A transfer's kind (reversal: corrects reverses_operation_id; capture: of hold_id), or topup"
    )
    reverses_operation_id: str | None = Field(
        default=None, description="A reversal's: the transfer_id of the transfer it corrects (its own history row)"
    )
    hold_id: UUID | None = Field(default=None, description="A capture's: the hold it captured")


class OperationsPage(BaseModel):
    items: list[Operation] = Field(description="Newest first")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next, older page; null on the last page"
    )


Period = Literal["day", "week", "month"]
_FROM = "Operations at or after this RFC 3339 time with an offset, e.g. 2026-03-01T00:00:00Z (inclusive)"
_TO = "Operations before this RFC 3339 time with an offset (exclusive)"


class SummaryQuery(BaseModel):
    """The query string of GET /accounts/{accountId}/analytics/summary."""

    period: Period = Field(
        description="Calendar periods, UTC: day, week (ISO, from Monday) or month; the range may touch at most 366"
    )
    start: AwareDatetime = Field(alias="from", description=_FROM)
    end: AwareDatetime = Field(alias="to", description=_TO)


class PeriodSummary(BaseModel):
    period_start: str = Field(examples=["2026-03-02"], description="The period's first day (UTC)")
    period_end: str = Field(examples=["2026-03-09"], description="The day after its last day (exclusive)")
    currency: str
    total_in: str = Field(examples=["250.00"], description="Credits within the range, decimal string")
    total_out: str = Field(examples=["100.50"], description="Debits within the range, decimal string")
    count: int = Field(description="Operations: count_in + count_out")
    count_in: int
    count_out: int
    largest_operation: Operation = Field(description="By amount; of equal ones the latest")


class AccountSummary(BaseModel):
    periods: list[PeriodSummary] = Field(
        description="Oldest first, one per period and currency; periods without operations are left out"
    )


class CounterpartiesQuery(BaseModel):
    """The query string of GET /accounts/{accountId}/analytics/counterparties."""

    start: AwareDatetime = Field(alias="from", description=_FROM)
    end: AwareDatetime = Field(alias="to", description=f"{_TO}; at most 366 days after from")
    limit: int = Field(default=5, ge=1, le=50, description="How many counterparties")


class Counterparty(BaseModel):
    account_id: UUID = Field(description="The other account of the transfers")
    currency: str
    total_in: str = Field(examples=["250.00"], description="What it sent this account, decimal string")
    total_out: str = Field(examples=["100.50"], description="What this account sent it, decimal string")
    count: int = Field(description="Transfers between the two accounts")


class Counterparties(BaseModel):
    items: list[Counterparty] = Field(description="By total_in + total_out, largest first")


Currency = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code", examples=["RUB"])


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{2,31}$",
        description="3 to 32 characters: lowercase letters, digits, '.', '_', '-'",
        examples=["carol"],
    )
    password: str = Field(
        repr=False,
        min_length=10,
        max_length=128,
        description="10 to 128 characters, not containing the username; stored only as an Argon2id hash",
    )
    currency: str = Currency


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Currency


class UserProfile(BaseModel):
    user_id: UUID = Field(description="The `sub` of the user's access tokens")
    username: str
    role: Literal["customer", "auditor", "operator"] = Field(
        description="customer: owns accounts; auditor: reads every account; operator: reads every account and "
        "may reverse any transfer"
    )
    created_at: str | None = Field(default=None, description="RFC 3339 timestamp, UTC")
    accounts: list[Balance] = Field(description="The accounts the user owns, oldest first")


class Token(BaseModel):
    """OAuth2 token response (RFC 6749 section 5.1)."""

    access_token: str = Field(description="A JWT (ES256); send it as `Authorization: Bearer <access_token>`")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class JsonWebKeySet(BaseModel):
    keys: list[dict[str, str]] = Field(description="Public keys (JWK) that verify the gateway's access tokens")


HoldStatus = Literal["placed", "captured", "voided", "expired"]


class HoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_account_id: UUID = Field(description="The recipient: a customer's account of the same currency")
    amount: str = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["RUB"])
    description: str | None = Field(
        default=None, max_length=255, pattern=FREE_TEXT_PATTERN, description="One line, no control characters"
    )
    expires_in_s: int = Field(
        default=604800,
        ge=1,
        le=2592000,
        description="Seconds until the hold expires and releases itself: 1 to 2592000 (30 days); 7 days by default",
    )


class HoldCapture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(
        default=None,
        pattern=AMOUNT_PATTERN,
        description="At most the hold's amount; the rest is released. Absent: the whole hold",
        examples=["25.00"],
    )


class Hold(BaseModel):
    hold_id: UUID
    account_id: UUID = Field(description="The payer: its `held` includes the amount while the hold is placed")
    to_account_id: UUID = Field(description="The recipient, whose owner captures or voids the hold")
    amount: str = Field(examples=["100.50"])
    currency: str
    description: str | None = None
    status: HoldStatus = Field(
        description="placed: the amount is held. captured: captured_amount moved to the recipient (transfer_id), "
        "the rest released. voided, expired: all released"
    )
    expires_at: str = Field(description="RFC 3339 timestamp, UTC")
    created_at: str = Field(description="RFC 3339 timestamp, UTC")
    captured_amount: str | None = None
    closed_at: str | None = Field(default=None, description="When captured, voided or expired")
    transfer_id: UUID | None = Field(default=None, description="The capture's transfer (kind capture)")


class HoldList(BaseModel):
    items: list[Hold] = Field(description="Holds on the account or toward it, newest first, at most 100")
