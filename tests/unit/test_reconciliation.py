"""Reconciliation over fakes of both stores: what differs is found per account and day, each missing operation is
delivered again once, under its original event id where one survives, and the next check is clean."""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bank.config import Settings
from bank.domain.events import OutboxEvent
from bank.domain.model import Deposit, Transfer
from bank.domain.reconciliation import Key, Movement, Tally, compare
from bank.entrypoints.reconciliation_job import ReconciliationJob, window
from bank.service_layer.reconciliation_service import reconcile

DAY = datetime(2026, 3, 2, tzinfo=UTC)
ALICE, BOB = uuid.uuid4(), uuid.uuid4()


def transfer(amount: str, at: datetime, sender: uuid.UUID = ALICE, recipient: uuid.UUID = BOB) -> Transfer:
    return Transfer(sender, recipient, Decimal(amount), "RUB", None, None, "f", created_at=at)


def deposit(amount: str, at: datetime, account: uuid.UUID = ALICE) -> Deposit:
    return Deposit(
        account, Decimal(amount), "RUB", f"ch_{uuid.uuid4()}", f"top-{uuid.uuid4()}", "4242", "visa", "f", created_at=at
    )


class FakeLedger:
    def __init__(self, *operations: Transfer | Deposit) -> None:
        self.movements_ = [Movement(o) for o in operations]
        self.outbox: dict[str, uuid.UUID] = {}  # operation id -> outbox row id, while retention keeps it
        self.delivered: list[OutboxEvent] = []

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]:
        return tally(
            (account, m.operation.created_at.date(), m.operation.amount)
            for m in self.movements_
            if start <= m.operation.created_at < end
            for account in m.accounts
        )

    async def movements(self, key: Key) -> list[Movement]:
        return [m for m in self.movements_ if key[0] in m.accounts and m.operation.created_at.date() == key[1]]

    async def outbox_event_id(self, movement: Movement) -> uuid.UUID | None:
        return self.outbox.get(movement.operation_id)

    async def deliver_again(self, event: OutboxEvent) -> None:
        self.delivered.append(event)


class FakeStore:
    """Rows (account, day, amount, operation id, event id), duplicates allowed; reads count each event once."""

    def __init__(self) -> None:
        self.rows: list[tuple[uuid.UUID, date, Decimal, str, uuid.UUID]] = []
        self.down = False

    def ingest(self, movement: Movement, event_id: uuid.UUID, only: uuid.UUID | None = None) -> None:
        for account in movement.accounts:
            if only in (None, account):
                self.rows.append(
                    (
                        account,
                        movement.operation.created_at.date(),
                        movement.operation.amount,
                        movement.operation_id,
                        event_id,
                    )
                )

    def unique(self) -> set[tuple[uuid.UUID, date, Decimal, str, uuid.UUID]]:
        return set(self.rows)

    async def tallies(self, start: datetime, end: datetime) -> dict[Key, Tally]:
        if self.down:
            raise ConnectionError("ClickHouse is down")
        return tally(
            (a, d, amount) for a, d, amount, _, _ in self.unique() if start.date() <= d < end.date() + timedelta(days=1)
        )

    async def operation_ids(self, key: Key) -> set[str]:
        return {op for a, d, _, op, _ in self.unique() if (a, d) == key}

    async def event_id(self, movement: Movement) -> uuid.UUID | None:
        return next((e for a, _, _, op, e in self.rows if op == movement.operation_id and a in movement.accounts), None)


def tally(entries: Iterable[tuple[uuid.UUID, date, Decimal]]) -> dict[Key, Tally]:
    found: dict[Key, Tally] = {}
    for account, day, amount in entries:
        t = found.get((account, day), Tally())
        found[(account, day)] = Tally(t.count + 1, t.total + amount)
    return found


START, END = DAY - timedelta(days=1), DAY + timedelta(days=1)


def test_compare_names_every_differing_account_day() -> None:
    expected = {(ALICE, DAY.date()): Tally(2, Decimal("3.00")), (BOB, DAY.date()): Tally(1, Decimal("1.00"))}
    stored = {(ALICE, DAY.date()): Tally(2, Decimal("3.00")), (BOB, DAY.date()): Tally(1, Decimal("2.00"))}
    stored[(uuid.UUID(int=0), DAY.date())] = Tally(1, Decimal("5.00"))  # a row PostgreSQL never committed
    differing = [(m.account_id, m.expected.total, m.stored.total) for m in compare(expected, stored)]
    assert differing == sorted(
        [(uuid.UUID(int=0), Decimal("0.00"), Decimal("5.00")), (BOB, Decimal("1.00"), Decimal("2.00"))],
        key=lambda d: str(d[0]),
    )


async def test_consistent_stores_need_nothing() -> None:
    made: list[Transfer | Deposit] = [transfer("1.50", DAY), deposit("10.00", DAY + timedelta(hours=1))]
    ledger, store = FakeLedger(*made), FakeStore()
    for m in ledger.movements_:
        store.ingest(m, uuid.uuid4())
        store.ingest(m, store.rows[-1][4])  # a redelivery: counted once
    report = await reconcile(ledger, store, START, END, repair=True)
    assert (report.consistent, report.checked, report.missing, ledger.delivered) == (True, 2, [], [])


async def test_a_lost_side_of_a_transfer_is_delivered_again_under_its_stored_event_id() -> None:
    lost = transfer("7.25", DAY)
    ledger, store = FakeLedger(lost), FakeStore()
    original = uuid.uuid4()
    store.ingest(ledger.movements_[0], original, only=BOB)  # Alice's debit row deleted by hand
    report = await reconcile(ledger, store, START, END, repair=True)
    assert [(m.account_id, m.expected, m.stored) for m in report.mismatches] == [
        (ALICE, Tally(1, Decimal("7.25")), Tally())
    ]
    (event,) = ledger.delivered
    assert (event.id, event.payload["event_id"], event.payload["transfer_id"], event.payload["amount"]) == (
        original,
        str(original),
        str(lost.id),
        "7.25",
    )
    assert report.redelivered == [original]


async def test_an_event_lost_everywhere_takes_its_outbox_id_or_a_stable_one() -> None:
    kept, purged = deposit("3.00", DAY), deposit("4.00", DAY + timedelta(hours=2))
    ledger, store = FakeLedger(kept, purged), FakeStore()
    ledger.outbox[kept.topup_id] = outbox_id = uuid.uuid4()
    report = await reconcile(ledger, store, START, END, repair=True)
    assert [m.operation_id for m in report.missing] == [kept.topup_id, purged.topup_id]
    assert [e.id for e in ledger.delivered] == [outbox_id, Movement(purged).fallback_event_id()]
    assert ledger.delivered[1].payload["event_type"] == "TopUpCompleted"
    # Delivered, ingested: the next check is clean, and a repeat of the repair would carry the same ids.
    for event, movement in zip(ledger.delivered, ledger.movements_, strict=True):
        store.ingest(movement, event.id)
    assert (await reconcile(ledger, store, START, END, repair=True)).consistent


async def test_without_repair_nothing_is_written() -> None:
    ledger, store = FakeLedger(transfer("1.00", DAY)), FakeStore()
    report = await reconcile(ledger, store, START, END, repair=False)
    assert (len(report.missing), ledger.delivered) == (1, [])


async def test_the_job_reports_a_store_it_cannot_read_as_unknown() -> None:
    from bank import metrics

    store = FakeStore()
    store.down = True
    job = ReconciliationJob(Settings(environment="development"), FakeLedger(), store)
    assert await job.check() is None
    assert str(metrics.RECONCILIATION_MISMATCHES._value.get()) == "nan"


def test_the_window_leaves_the_settling_minutes_out() -> None:
    settings = Settings(environment="development", reconcile_lookback_hours=48, reconcile_settle_s=300)
    start, end = window(settings, DAY)
    assert (start, end) == (DAY - timedelta(hours=48, minutes=5), DAY - timedelta(minutes=5))


async def test_the_health_name_follows_the_last_check() -> None:
    from grpc_health.v1 import health, health_pb2

    from bank.entrypoints.reconciliation_job import RECONCILIATION

    async def status(servicer: health.aio.HealthServicer) -> int:
        request = health_pb2.HealthCheckRequest(service=RECONCILIATION)
        return (await servicer.Check(request, None)).status

    servicer = health.aio.HealthServicer()
    ledger, store = FakeLedger(transfer("2.00", datetime.now(UTC) - timedelta(hours=1))), FakeStore()
    job = ReconciliationJob(Settings(environment="development", reconcile_settle_s=0), ledger, store, servicer)
    report = await job.check()
    assert report is not None and len(report.redelivered) == 1
    assert await status(servicer) == health_pb2.HealthCheckResponse.NOT_SERVING
    store.ingest(ledger.movements_[0], ledger.delivered[0].id)  # the redelivery arrived
    await job.check()
    assert await status(servicer) == health_pb2.HealthCheckResponse.SERVING
