"""Wires the Bank: settings -> engine -> unit-of-work factory; the transfer statement's pool behind its group commit;
the password hasher."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.database import create_engine
from bank.adapters.passwords import Argon2Passwords
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

    async def close(self) -> None:
        await self.transfers.close()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Bank:
    return Bank(
        engine=create_engine(settings),
        settings=settings,
        transfers=TransferBatches(PostgresTransfers(settings), settings.transfer_lanes),
    )
