"""Integration events for the outbox; payloads follow contracts/schemas/*.json."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bank.domain.holds import Hold
from bank.domain.model import Deposit, Transfer
from kernel.money import format_amount


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    aggregatetype: str
    aggregateid: str
    type: str
    payload: dict[str, Any]
    # The W3C traceparent of the request that made the event (opaque here): Debezium carries it to the Kafka
    # message as a header, so whoever reads the event joins that request's trace.
    traceparent: str | None = None


def _event(
    event_type: str,
    account_id: uuid.UUID,
    occurred_at: datetime,
    fields: dict[str, Any],
    traceparent: str | None,
    event_id: uuid.UUID | None = None,
) -> OutboxEvent:
    """The outbox row of one event about `account_id` (its Kafka key); the payload carries the event id, a new one
    unless `event_id` names it (an event delivered again: bank.service_layer.reconciliation_service)."""
    event_id = event_id or uuid.uuid4()
    payload = {
        "event_id": str(event_id),
        "event_type": event_type,
        # Always six fractional digits and +00:00: ClickHouse 18.16 reads the microseconds by position.
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        **fields,
    }
    return OutboxEvent(
        id=event_id,
        aggregatetype="account",
        aggregateid=str(account_id),
        type=event_type,
        payload=payload,
        traceparent=traceparent,
    )


def transfer_completed(
    transfer: Transfer, traceparent: str | None = None, event_id: uuid.UUID | None = None
) -> OutboxEvent:
    return _event(
        "TransferCompleted",
        transfer.from_account_id,
        transfer.created_at,
        {
            "transfer_id": str(transfer.id),
            "from_account_id": str(transfer.from_account_id),
            "to_account_id": str(transfer.to_account_id),
            "amount": format_amount(transfer.amount),
            "currency": transfer.currency,
            "description": transfer.description,
            "kind": transfer.kind,
            "reverses_transfer_id": str(transfer.reverses_transfer_id) if transfer.reverses_transfer_id else None,
            "hold_id": str(transfer.hold_id) if transfer.hold_id else None,
        },
        traceparent,
        event_id,
    )


def topup_completed(deposit: Deposit, traceparent: str | None = None, event_id: uuid.UUID | None = None) -> OutboxEvent:
    return _event(
        "TopUpCompleted",
        deposit.account_id,
        deposit.created_at,
        {
            "deposit_id": str(deposit.id),
            "topup_id": deposit.topup_id,
            "payment_id": deposit.payment_id,
            "account_id": str(deposit.account_id),
            "amount": format_amount(deposit.amount),
            "currency": deposit.currency,
            "card_last4": deposit.card_last4,
            "card_brand": deposit.card_brand,
        },
        traceparent,
        event_id,
    )


def hold_placed(hold: Hold, traceparent: str | None = None) -> OutboxEvent:
    return _hold_event("HoldPlaced", hold, hold.created_at, {}, traceparent)


def hold_captured(hold: Hold, traceparent: str | None = None) -> OutboxEvent:
    assert hold.captured_amount is not None and hold.closed_at is not None
    captured = {"captured_amount": format_amount(hold.captured_amount), "transfer_id": str(hold.transfer_id)}
    return _hold_event("HoldCaptured", hold, hold.closed_at, captured, traceparent)


def hold_voided(hold: Hold, traceparent: str | None = None) -> OutboxEvent:
    assert hold.closed_at is not None
    return _hold_event("HoldVoided", hold, hold.closed_at, {}, traceparent)


def hold_expired(hold: Hold, traceparent: str | None = None) -> OutboxEvent:
    assert hold.closed_at is not None
    return _hold_event("HoldExpired", hold, hold.closed_at, {}, traceparent)


def _hold_event(
    event_type: str, hold: Hold, occurred_at: datetime, fields: dict[str, Any], traceparent: str | None
) -> OutboxEvent:
    """An event of a hold, about (and keyed by) its payer's account; contracts/schemas/hold_event.json."""
    return _event(
        event_type,
        hold.account_id,
        occurred_at,
        {
            "hold_id": str(hold.id),
            "account_id": str(hold.account_id),
            "to_account_id": str(hold.to_account_id),
            "amount": format_amount(hold.amount),
            "currency": hold.currency,
            "description": hold.description,
            "expires_at": hold.expires_at.astimezone(UTC).isoformat(timespec="microseconds"),
            **fields,
        },
        traceparent,
    )
