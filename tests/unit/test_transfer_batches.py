"""Group commit in lanes (bank.adapters.transfer_batches) against a fake of the transfer statement."""

import asyncio
import uuid

import pytest

from bank.adapters.transfer_batches import TransferBatches
from bank.adapters.transfer_statement import Planned
from bank.domain import events, model
from bank.domain.errors import InsufficientFunds
from bank.domain.events import OutboxEvent
from bank.domain.model import Transfer
from bank.service_layer.transfer_service import TransferAttempt
from kernel.errors import DatabaseUnavailable

OWNER = uuid.uuid4()


class FakeStatement:
    """Records how transfers reached the database; each call waits until the test releases it."""

    def __init__(self) -> None:
        self.calls: list[list[uuid.UUID]] = []  # transfer ids, per single call or batch
        self.release = asyncio.Event()
        self.batch_error: Exception | None = None
        self.refuse: set[uuid.UUID] = set()  # a single attempt of these raises

    async def try_transfer(self, transfer: Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
        self.calls.append([transfer.id])
        await self.release.wait()
        if transfer.id in self.refuse:
            raise InsufficientFunds("refused")
        return TransferAttempt(done=True, accounts={})

    async def try_transfers(self, batch: list[Planned]) -> list[TransferAttempt]:
        self.calls.append([transfer.id for transfer, _, _ in batch])
        await self.release.wait()
        if self.batch_error:
            raise self.batch_error
        return [TransferAttempt(done=True, accounts={}) for _ in batch]

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None:
        return None

    async def close(self) -> None:
        pass


def planned(sender: uuid.UUID) -> Planned:
    request = model.TransferRequest.parse(str(sender), str(uuid.uuid4()), "1.00", "RUB", None, "")
    transfer = model.new_transfer(request)
    return transfer, events.transfer_completed(transfer), OWNER


async def started(statement: FakeStatement, batches: TransferBatches, plans: list[Planned]) -> list[asyncio.Task]:
    tasks = []
    for plan in plans:
        tasks.append(asyncio.create_task(batches.try_transfer(*plan)))
        await asyncio.sleep(0)  # each reaches the adapter in order
    return tasks


async def test_a_sender_with_nothing_in_flight_goes_at_once_and_the_rest_wait_for_one_batch() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement)
    sender = uuid.uuid4()
    plans = [planned(sender) for _ in range(5)]
    tasks = await started(statement, batches, plans)
    assert statement.calls == [[plans[0][0].id]]  # the first alone; four wait
    statement.release.set()
    attempts = await asyncio.gather(*tasks)
    assert all(a.done for a in attempts)
    assert statement.calls == [[plans[0][0].id], [p[0].id for p in plans[1:]]]


async def test_lanes_do_not_wait_for_each_other() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement, lanes=3)
    plans = [planned(uuid.UUID(int=lane)) for lane in range(3)]
    tasks = await started(statement, batches, plans)
    assert statement.calls == [[p[0].id] for p in plans]
    statement.release.set()
    await asyncio.gather(*tasks)


async def test_senders_of_one_lane_share_its_batches_and_a_sender_keeps_its_lane() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement, lanes=2)
    first, second = uuid.UUID(int=2), uuid.UUID(int=4)  # both in lane 0
    assert batches.lane(first) == batches.lane(second) == 0 and batches.lane(uuid.UUID(int=5)) == 1
    plans = [planned(first), planned(second), planned(first)]
    tasks = await started(statement, batches, plans)
    statement.release.set()
    await asyncio.gather(*tasks)
    assert statement.calls == [[plans[0][0].id], [plans[1][0].id, plans[2][0].id]]


async def test_a_batch_is_at_most_max_batch_long() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement, max_batch=2)
    sender = uuid.uuid4()
    plans = [planned(sender) for _ in range(6)]
    tasks = await started(statement, batches, plans)
    statement.release.set()
    await asyncio.gather(*tasks)
    assert [len(call) for call in statement.calls] == [1, 2, 2, 1]


async def test_a_failed_batch_is_tried_one_by_one_and_each_gets_its_own_outcome() -> None:
    statement = FakeStatement()
    statement.batch_error = DatabaseUnavailable("connection lost")
    batches = TransferBatches(statement)
    sender = uuid.uuid4()
    plans = [planned(sender) for _ in range(4)]
    statement.refuse = {plans[2][0].id}
    tasks = await started(statement, batches, plans)
    statement.release.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert [type(o) for o in outcomes] == [TransferAttempt, TransferAttempt, InsufficientFunds, TransferAttempt]
    assert [len(call) for call in statement.calls] == [1, 3, 1, 1, 1]


async def test_a_caller_that_gave_up_while_waiting_has_nothing_made() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement)
    sender = uuid.uuid4()
    plans = [planned(sender) for _ in range(3)]
    tasks = await started(statement, batches, plans)
    tasks[1].cancel()
    statement.release.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert statement.calls == [[plans[0][0].id], [plans[2][0].id]]


async def test_an_error_of_the_first_transfer_reaches_only_its_caller() -> None:
    statement = FakeStatement()
    batches = TransferBatches(statement)
    sender = uuid.uuid4()
    plans = [planned(sender) for _ in range(3)]
    statement.refuse = {plans[0][0].id}
    tasks = await started(statement, batches, plans)
    statement.release.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[0], InsufficientFunds)
    assert all(isinstance(o, TransferAttempt) for o in outcomes[1:])
    with pytest.raises(KeyError):  # idle again: no sender left marked in flight
        batches._waiting[batches.lane(sender)]
