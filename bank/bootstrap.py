"""Wires the Bank: settings -> engine -> unit-of-work factory; the transfer statement's pool, batched per sender; the
password hasher."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bank.adapters.database import create_engine
from bank.adapters.passwords import Argon2Passwords
from bank.adapters.sender_batches import SenderBatches
from bank.adapters.transfer_statement import PostgresTransfers
from bank.adapters.unit_of_work import PostgresUnitOfWork
from bank.config import Settings


@dataclass
class Bank:
    engine: AsyncEngine
    settings: Settings
    transfers: SenderBatches
    passwords: Argon2Passwords = field(default_factory=Argon2Passwords)

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.engine, self.settings.idempotency_wait_ms)

    async def close(self) -> None:
        await self.transfers.close()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Bank:
    return Bank(engine=create_engine(settings), settings=settings, transfers=SenderBatches(PostgresTransfers(settings)))
