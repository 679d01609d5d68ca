"""Integration events for the outbox; payloads follow contracts/schemas/*.json."""

import uuid
from dataclasses import dataclass
from typing import Any

from bank.domain.model import Deposit, Transfer
from bank.domain.money import format_amount


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    aggregatetype: str
    aggregateid: str
    type: str
    payload: dict[str, Any]


def transfer_completed(transfer: Transfer) -> OutboxEvent:
    event_id = uuid.uuid4()
    return OutboxEvent(
        id=event_id,
        aggregatetype="account",
        aggregateid=str(transfer.from_account_id),
        type="TransferCompleted",
        payload={
            "event_id": str(event_id),
            "event_type": "TransferCompleted",
            "occurred_at": transfer.created_at.isoformat(timespec="microseconds"),
            "transfer_id": str(transfer.id),
            "from_account_id": str(transfer.from_account_id),
            "to_account_id": str(transfer.to_account_id),
            "amount": format_amount(transfer.amount),
            "currency": transfer.currency,
            "description": transfer.description,
        },
    )


def topup_completed(deposit: Deposit) -> OutboxEvent:
    event_id = uuid.uuid4()
    return OutboxEvent(
        id=event_id,
        aggregatetype="account",
        aggregateid=str(deposit.account_id),
        type="TopUpCompleted",
        payload={
            "event_id": str(event_id),
            "event_type": "TopUpCompleted",
            "occurred_at": deposit.created_at.isoformat(timespec="microseconds"),
            "deposit_id": str(deposit.id),
            "topup_id": deposit.topup_id,
            "payment_id": deposit.payment_id,
            "account_id": str(deposit.account_id),
            "amount": format_amount(deposit.amount),
            "currency": deposit.currency,
            "card_last4": deposit.card_last4,
            "card_brand": deposit.card_brand,
        },
    )
