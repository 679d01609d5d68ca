"""Wires the Bank: settings -> engine -> unit-of-work factory; the transfer statement's pool behind its group commit;
the password hasher; the two sides of the reconciliation."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.clickhouse_operations import ClickHouseOperations
from bank.adapters.database import create_engine
from bank.adapters.hold_unit_of_work import PostgresHoldUnitOfWork
from bank.adapters.ledger_reads import PostgresLedgerReads
from bank.adapters.passwords import Argon2Passwords
from bank.adapters.reconciliation_ledger import PostgresLedger
from bank.adapters.transfer_batches import TransferBatches
from bank.adapters.transfer_statement import PostgresTransfers
from bank.adapters.unit_of_work import PostgresUnitOfWork
from bank.config import Settings


@dataclass
class Bank:
    engine: AsyncEngine
    settings: Settings
    transfers: TransferBatches
    passwords: Argon2Passwords = field(default_factory=Argon2Passwords)

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.engine, self.settings.idempotency_wait_ms)

    def holds_uow(self) -> PostgresHoldUnitOfWork:
        return PostgresHoldUnitOfWork(self.engine, self.settings.idempotency_wait_ms)

    @property
    def ledger_reads(self) -> PostgresLedgerReads:
        return PostgresLedgerReads(self.engine)

    async def close(self) -> None:
        await self.transfers.close()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Bank:
    return Bank(
        engine=create_engine(settings),
        settings=settings,
        transfers=TransferBatches(PostgresTransfers(settings), settings.transfer_lanes),
    )


def reconciliation_sides(settings: Settings, engine: AsyncEngine) -> tuple[PostgresLedger, ClickHouseOperations]:
    return PostgresLedger(engine), ClickHouseOperations(settings)
