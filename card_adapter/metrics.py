"""The Card Adapter's business metrics: top-ups by final state, deposit retries, refunds, replays, and the top-ups
still pending (read from its database at scrape time)."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from prometheus_client import Counter
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from card_adapter.domain.topup import TopUp
from kernel import clock
from kernel.metrics import IDEMPOTENT_REPLAYS, register_loop_gauges

if TYPE_CHECKING:
    from card_adapter.adapters.unit_of_work import PostgresUnitOfWork

TOPUPS = Counter(
    "wallet_topups",
    "Top-ups that reached a final state: deposited, declined, failed or refunded (the settlement's states)",
    ["state"],
)
DEPOSIT_RETRIES = Counter(
    "wallet_deposit_retries", "Deposits of a charged top-up sent to the Bank again after an attempt that failed"
)
REFUNDS = Counter("wallet_topup_refunds", "Charges refunded: the deposit failed for good, or a capture came too late")
PENDING = "wallet_topups_pending"
OLDEST_PENDING = "wallet_topup_oldest_pending_age_seconds"
_GAUGES = {
    PENDING: "Top-ups awaiting their outcome (requested or charged), in the database every replica shares",
    OLDEST_PENDING: "Seconds since the oldest pending top-up was asked for; 0 when none is pending",
}
_topup_replays = IDEMPOTENT_REPLAYS.labels("topup")


def settled(topup: TopUp) -> None:
    """Count a top-up's state once it is committed, if final (a final state is saved once: no edge leaves it)."""
    if topup.final:
        TOPUPS.labels(topup.state.value).inc()


def topup_replayed() -> None:
    _topup_replays.inc()


def watch_pending(uow_factory: Callable[[], "PostgresUnitOfWork"]) -> None:
    """Serve the pending top-ups, counted in the database at each scrape (so every replica reports the same)."""

    async def read() -> Iterable[Metric]:
        async with uow_factory() as uow:
            count, oldest = await uow.pending_topups()
        age = (clock.now() - oldest).total_seconds() if oldest else 0.0
        return [
            GaugeMetricFamily(PENDING, _GAUGES[PENDING], count),
            GaugeMetricFamily(OLDEST_PENDING, _GAUGES[OLDEST_PENDING], max(0.0, age)),
        ]

    register_loop_gauges(_GAUGES, read)
