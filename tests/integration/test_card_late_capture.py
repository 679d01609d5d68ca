"""The mock payment gateway's late-capture test card on the real PostgreSQL: no answer in time, a capture after."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.adapters import mock_gateway
from card_adapter.adapters.mock_gateway import MockPaymentGateway
from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import PaymentGatewayTimeout
from tests.polling import eventually


async def test_the_late_capture_card_times_out_then_is_captured_once(card_adapter_engine: AsyncEngine) -> None:
    pay = MockPaymentGateway(
        card_adapter_engine, latency_ms=1, failure_rate=0, seed=1, timeout_s=0.2, late_capture_s=0.3
    )
    card = Card.parse(mock_gateway.CAPTURES_LATE, 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
    idem = str(uuid.uuid4())
    with pytest.raises(PaymentGatewayTimeout):
        await pay.charge(card, Decimal("4.00"), "RUB", idem)
    assert await pay.find_charge(idem) is None  # what the adapter sees when it looks right after the timeout

    async def captured() -> bool:
        return await pay.find_charge(idem) is not None

    await eventually(captured, 5, "the late capture")
    charge = await pay.find_charge(idem)
    assert charge is not None and (charge.amount, charge.status) == (Decimal("4.00"), "captured")
