"""Wires the Card Adapter: settings -> engines, Bank channel, mock gateway -> settlement and its workers."""

import random
from dataclasses import dataclass

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from card_adapter.adapters.bank_client import GrpcBank
from card_adapter.adapters.claims import AdvisoryLockClaims
from card_adapter.adapters.database import create_engine
from card_adapter.adapters.mock_gateway import MockPaymentGateway
from card_adapter.adapters.unit_of_work import PostgresUnitOfWork
from card_adapter.config import Settings
from card_adapter.service_layer.backoff import Backoff
from card_adapter.service_layer.settlement import Settlement
from card_adapter.service_layer.settlement_workers import SettlementWorkers
from generated import bank_pb2
from kernel import grpc_channels

BANK_SERVICE = bank_pb2.DESCRIPTOR.services_by_name["BankService"].full_name
# What gRPC may send again after UNAVAILABLE (kernel.grpc_channels), to another Bank replica: a deposit is idempotent
# by payment id, a balance a read.
BANK_REPEATABLE = ("DepositMoney", "GetBalance")


@dataclass
class CardAdapter:
    settings: Settings
    engine: AsyncEngine
    claims_engine: AsyncEngine
    bank_channel: grpc.aio.Channel
    bank: GrpcBank
    workers: SettlementWorkers

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.engine, self.settings.idempotency_wait_ms)

    async def close(self) -> None:
        await self.workers.close()
        await self.bank_channel.close()
        await self.engine.dispose()
        await self.claims_engine.dispose()


def bootstrap(settings: Settings) -> CardAdapter:
    engine = create_engine(settings)
    claims_engine = create_async_engine(settings.database_url.get_secret_value(), poolclass=NullPool)
    channel = grpc_channels.channel(settings.bank_target, settings, BANK_SERVICE, BANK_REPEATABLE)
    bank = GrpcBank(channel, settings.bank_timeout_s)
    gateway = MockPaymentGateway(
        engine,
        latency_ms=settings.gateway_latency_ms,
        failure_rate=settings.gateway_failure_rate,
        seed=settings.gateway_seed,
        timeout_s=settings.gateway_timeout_s,
    )
    rng = random.Random(settings.gateway_seed)
    backoff = Backoff(settings.retry_base_s, settings.retry_cap_s, rng)
    watch_backoff = Backoff(settings.retry_base_s, settings.late_capture_poll_s, rng)

    def uow() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(engine, settings.idempotency_wait_ms)

    settlement = Settlement(
        uow,
        gateway,
        bank,
        AdvisoryLockClaims(claims_engine),
        backoff,
        deposit_budget_s=settings.deposit_budget_s,
        late_capture_window_s=settings.late_capture_window_s,
    )
    workers = SettlementWorkers(settlement, uow, backoff, watch_backoff)
    return CardAdapter(settings, engine, claims_engine, channel, bank, workers)
