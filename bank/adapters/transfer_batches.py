"""Group commit, as TigerBeetle batches. Each transfer goes to a lane chosen by its sender (a sender always uses the
same one). A lane with nothing in flight sends a transfer at once, alone: no transfer waits for a batch to fill.
While a lane's transaction runs, the transfers that arrive for it wait in this process, then go together in one
transaction: one lock of their accounts, one commit, each transfer with its own outcome.

- It makes a busy sender fast. Transfers from one account serialise on its row lock, and each used to wait for
  the commit before it.
- It spares PostgreSQL and the Bank a round trip and a commit per transfer under load.

Durability is unchanged: a transfer is answered only after its commit.

Traces: a transfer sent alone runs in its request's task, inside its trace. A batch runs in a task of its own, in a
span of the first transfer's trace linked to the others' (one transaction cannot belong to several traces); a
transfer tried again alone runs in its own trace again. The outbox row of each keeps its own request's trace
(bank.service_layer.transfer_service)."""

import asyncio
import contextvars
import logging
import uuid
from typing import Protocol

from bank.adapters.transfer_statement import Planned
from bank.domain.events import OutboxEvent
from bank.domain.model import Transfer
from bank.service_layer.transfer_service import TransferAttempt
from kernel import tracing

log = logging.getLogger("bank.transfer_batches")
MAX_BATCH = 64
LANES = 4

Waiting = list[tuple[Planned, "asyncio.Future[TransferAttempt]", tracing.Context]]


class Transfers(Protocol):
    async def try_transfer(self, transfer: Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt: ...

    async def try_transfers(self, batch: list[Planned]) -> list[TransferAttempt]: ...

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None: ...

    async def close(self) -> None: ...


class TransferBatches:
    """A TransferWriter over `transfers` that batches, per lane, the transfers that arrive while a transaction of the
    lane runs. A batch that fails as a whole (a lock timeout, a lost connection) is tried again one transfer at a
    time, so each transfer gets its own outcome or error, as if it had never been batched."""

    def __init__(self, transfers: Transfers, lanes: int = LANES, max_batch: int = MAX_BATCH) -> None:
        self._transfers = transfers
        self._lanes = lanes
        self._max_batch = max_batch
        self._waiting: dict[int, Waiting] = {}  # a key per lane with a transaction in flight
        self._running: set[asyncio.Task[None]] = set()

    def lane(self, sender: uuid.UUID) -> int:
        return sender.int % self._lanes

    async def try_transfer(self, transfer: Transfer, event: OutboxEvent, owner: uuid.UUID) -> TransferAttempt:
        lane = self.lane(transfer.from_account_id)
        waiting = self._waiting.get(lane)
        if waiting is not None:
            outcome: asyncio.Future[TransferAttempt] = asyncio.get_running_loop().create_future()
            waiting.append(((transfer, event, owner), outcome, tracing.current()))
            return await outcome
        self._waiting[lane] = []
        try:
            return await self._transfers.try_transfer(transfer, event, owner)
        finally:
            self._next_batch(lane)

    async def find_transfer(self, from_account_id: uuid.UUID, key: str) -> Transfer | None:
        return await self._transfers.find_transfer(from_account_id, key)

    async def close(self) -> None:
        await asyncio.gather(*self._running, return_exceptions=True)
        await self._transfers.close()

    def _finished(self, task: "asyncio.Task[None]", lane: int) -> None:
        self._running.discard(task)
        self._next_batch(lane)

    def _next_batch(self, lane: int) -> None:
        """Start the transaction of what waited in `lane`, or mark it idle."""
        waiting = [each for each in self._waiting[lane] if not each[1].done()]
        if not waiting:  # every caller that waited gave up (cancelled): nothing of theirs is made
            del self._waiting[lane]
            return
        batch, self._waiting[lane] = waiting[: self._max_batch], waiting[self._max_batch :]
        # A task of no request's: it would otherwise go on in the context of the request that happened to end last.
        task = asyncio.create_task(self._run(batch), context=contextvars.Context())
        self._running.add(task)
        task.add_done_callback(lambda done: self._finished(done, lane))

    async def _run(self, batch: Waiting) -> None:
        if len(batch) == 1:
            await self._one_by_one(batch)
            return
        try:
            with tracing.span_linking("transfer batch", [trace for _, _, trace in batch], {"batch.size": len(batch)}):
                attempts = await self._transfers.try_transfers([planned for planned, _, _ in batch])
        except Exception as error:  # each transfer is tried again on its own, and gets its own error
            log.info("a batch of %d transfers failed (%s); trying each alone", len(batch), type(error).__name__)
            await self._one_by_one(batch)
            return
        for (_, outcome, _), attempt in zip(batch, attempts, strict=True):
            if not outcome.done():
                outcome.set_result(attempt)

    async def _one_by_one(self, batch: Waiting) -> None:
        for (transfer, event, owner), outcome, trace in batch:
            if outcome.done():
                continue
            try:
                with tracing.resumed(trace):
                    attempt = await self._transfers.try_transfer(transfer, event, owner)
            except Exception as error:  # handed to the caller that waits for it
                if not outcome.done():
                    outcome.set_exception(error)
            else:
                if not outcome.done():
                    outcome.set_result(attempt)
