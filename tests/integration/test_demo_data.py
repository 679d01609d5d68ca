"""The demo accounts are loaded by the run command, once, however often it runs."""

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from stack import services
from stack.config import StackConfig
from tests.accounts import balances

ALICE = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
BOB = uuid.UUID("987e6543-e21b-34d3-c456-426614174999")


async def test_seed_is_idempotent(database: StackConfig, engine: AsyncEngine) -> None:
    services.seed_bank(database)
    services.seed_bank(database)
    found = await balances(engine, [ALICE, BOB])
    assert found == {ALICE: Decimal("1000.00"), BOB: Decimal("500.00")}
