"""A Card Adapter settling top-ups against fakes (gateway, Bank, claims, unit of work), with cards that succeed,
are declined and time out."""

import random
import uuid
from datetime import date, timedelta

from card_adapter.domain.card import Card
from card_adapter.domain.topup import TopUp, TopUpRequest
from card_adapter.service_layer import topup_service
from card_adapter.service_layer.backoff import Backoff
from card_adapter.service_layer.settlement import Settlement
from card_adapter.service_layer.settlement_workers import SettlementWorkers
from tests.unit.card_adapter_fakes import FakeBank, FakeClaims, FakeGateway, FakeUnitOfWork, no_sleep

ACCOUNT = uuid.UUID(int=7)
CARD = Card.parse("4242424242424242", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
DECLINED = Card.parse("4000000000000002", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))
TIMES_OUT = Card.parse("4000000000000119", 12, 2030, "123", "Alice Smith", date(2026, 1, 1))


class World:
    def __init__(self, budget_s: float = 60.0, window_s: float = 600.0) -> None:
        self.topups: dict[uuid.UUID, TopUp] = {}
        self.gateway = FakeGateway(declines={DECLINED.number: "card_declined"}, timeouts={TIMES_OUT.number})
        self.bank = FakeBank()
        self.claims = FakeClaims()
        self.backoff = Backoff(0.001, 0.002, random.Random(1))
        self.settlement = Settlement(
            self.uow,
            self.gateway,
            self.bank,
            self.claims,
            self.backoff,
            deposit_budget_s=budget_s,
            late_capture_window_s=window_s,
            sleep=no_sleep,
        )

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.topups)

    def workers(self) -> SettlementWorkers:
        return SettlementWorkers(self.settlement, self.uow, self.backoff, self.backoff)

    def created_long_ago(self, topup: TopUp) -> None:
        self.topups[topup.id].created_at -= timedelta(hours=1)

    async def accept(self, card: Card = CARD, key: str | None = None, amount: str = "10.00") -> TopUp:
        request = TopUpRequest.parse(str(ACCOUNT), amount, "RUB", card, key)
        topup, _ = await topup_service.accept_topup(self.uow, self.bank, request)
        return topup

    async def settle(self, card: Card | None = CARD, **accept: object) -> TopUp:
        topup = await self.accept(card or CARD, **accept)  # type: ignore[arg-type]
        settled = await self.settlement.settle(topup.id, card)
        assert settled is not None
        assert self.topups[topup.id].state == settled.state  # what it returns is what it stored
        return settled
