"""The mock payment gateway, the product's only stand-in: an in-process card processor with a durable ledger.

Its ledger lives in the schema `mock_gateway` of the card_adapter database, apart from the adapter's own
table: it plays the external side, so it survives adapter restarts (a refund after a crash is real) and tests
can inspect it. Test cards (any expiry in the future, any CVC) behave as the README's table says; every
other valid card is approved, except for the random failures `failure_rate` asks for."""

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import CardDeclined, Charge, PaymentGatewayTimeout, PaymentOutcomeUnknown
from kernel.postgres import MONEY, TIMESTAMP

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
TIMES_OUT = "4000000000000119"
CAPTURES_LATE = "4000000000000127"
FAILS_AFTER_CAPTURE = "4000000000000259"
DECLINES = {DECLINED: "card_declined", INSUFFICIENT_FUNDS: "insufficient_card_funds"}
NEVER_ANSWERS = {TIMES_OUT, CAPTURES_LATE}
# CAPTURES_LATE is captured this long after the caller's timeout: after the adapter's look-up, not before.
LATE_CAPTURE_S = 2.0

metadata = MetaData(schema="mock_gateway")
charges = Table(
    "charges",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_id", String(255), nullable=False, unique=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("card_brand", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False, server_default=func.now()),
)
refunds = Table(
    "refunds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("charge_id", String(40), ForeignKey(charges.c.id), nullable=False, unique=True),
    Column("amount", MONEY, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False, server_default=func.now()),
)


class MockPaymentGateway:
    def __init__(
        self,
        engine: AsyncEngine,
        latency_ms: int,
        failure_rate: float,
        seed: int | None,
        timeout_s: float,
        late_capture_s: float = LATE_CAPTURE_S,
    ) -> None:
        self._engine = engine
        self._latency_s = latency_ms / 1000
        self._failure_rate = failure_rate
        self._rng = random.Random(seed)
        self._timeout_s = timeout_s
        self._late_capture_s = late_capture_s
        self._late_captures: set[asyncio.Task[None]] = set()

    async def charge(self, card: Card, amount: Decimal, currency: str, idempotency_id: str) -> Charge:
        async with self._call():
            if card.number == CAPTURES_LATE:
                self._capture_later(card, amount, currency, idempotency_id)
            if card.number in NEVER_ANSWERS:
                await asyncio.Event().wait()  # hangs until the caller's timeout; nothing is captured by then
            if card.number in DECLINES:
                raise CardDeclined(DECLINES[card.number])
            charge = await self._capture(card, amount, currency, idempotency_id)
            if card.number == FAILS_AFTER_CAPTURE:
                raise PaymentOutcomeUnknown("the gateway captured the charge, then answered 502")
            return charge

    async def find_charge(self, idempotency_id: str) -> Charge | None:
        async with self._call(), self._engine.connect() as conn:
            row = (await conn.execute(select(charges).where(charges.c.idempotency_id == idempotency_id))).first()
        return _charge(row) if row else None

    async def refund(self, charge_id: str) -> None:
        async with self._call(), self._engine.begin() as conn:
            amount = await conn.scalar(select(charges.c.amount).where(charges.c.id == charge_id).with_for_update())
            if amount is None:
                raise LookupError(f"no charge {charge_id}")
            await conn.execute(
                insert(refunds).values(id=_new_id("re"), charge_id=charge_id, amount=amount).on_conflict_do_nothing()
            )
            await conn.execute(update(charges).where(charges.c.id == charge_id).values(status="refunded"))

    @asynccontextmanager
    async def _call(self) -> AsyncIterator[None]:
        """One request to the gateway: latency, a random failure, a timeout; storage trouble is a gateway failure."""
        try:
            async with asyncio.timeout(self._timeout_s):
                await asyncio.sleep(self._latency_s * self._rng.uniform(0.5, 1.5))
                if self._rng.random() < self._failure_rate:
                    raise PaymentOutcomeUnknown("random gateway failure (failure_rate)")
                yield
        except TimeoutError:
            raise PaymentGatewayTimeout(f"no answer from the gateway within {self._timeout_s}s") from None
        except (SQLAlchemyError, OSError) as error:
            raise PaymentOutcomeUnknown(f"gateway storage failed: {type(error).__name__}") from None

    def _capture_later(self, card: Card, amount: Decimal, currency: str, idempotency_id: str) -> None:
        """The gateway's side goes on after its caller gave up, as a real one may (in this process, so only while
        it runs: a storage failure or a restart loses the late capture, as a crash of the gateway would)."""

        async def capture() -> None:
            await asyncio.sleep(self._timeout_s + self._late_capture_s)
            with contextlib.suppress(SQLAlchemyError, OSError):
                await self._capture(card, amount, currency, idempotency_id)

        task = asyncio.create_task(capture(), name=f"late-capture-{idempotency_id}")
        self._late_captures.add(task)  # a task nobody references may be collected before it runs
        task.add_done_callback(self._late_captures.discard)

    async def _capture(self, card: Card, amount: Decimal, currency: str, idempotency_id: str) -> Charge:
        values = {
            "id": _new_id("ch"),
            "idempotency_id": idempotency_id,
            "amount": amount,
            "currency": currency,
            "card_last4": card.last4,
            "card_brand": card.brand,
            "status": "captured",
        }
        async with self._engine.begin() as conn:
            # The same idempotency id never captures twice: a repeat returns the first charge.
            capture = insert(charges).values(**values).on_conflict_do_nothing(index_elements=["idempotency_id"])
            await conn.execute(capture)
            row = (await conn.execute(select(charges).where(charges.c.idempotency_id == idempotency_id))).one()
        return _charge(row)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _charge(row: object) -> Charge:
    return Charge(
        id=row.id,  # type: ignore[attr-defined]
        idempotency_id=row.idempotency_id,  # type: ignore[attr-defined]
        amount=row.amount,  # type: ignore[attr-defined]
        currency=row.currency,  # type: ignore[attr-defined]
        status=row.status,  # type: ignore[attr-defined]
    )
