"""Reports ClickHouse's ingestion of the topic as a gRPC health name: SERVING, or NOT_SERVING when stalled."""

import asyncio
import logging
from collections.abc import Callable

from grpc_health.v1 import health, health_pb2

from analytics import metrics
from analytics.adapters.consumer_lag import Lag, StallDetector, measure
from analytics.config import Settings

INGESTION = "wallet.analytics.v1.Ingestion"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
log = logging.getLogger("analytics.ingestion")


class IngestionHealth:
    def __init__(
        self, settings: Settings, health_servicer: health.aio.HealthServicer, lag: Callable[[], Lag] | None = None
    ) -> None:
        self._settings = settings
        self._health = health_servicer
        self._lag = lag or (lambda: measure(settings.kafka_brokers, settings.consumer_group, settings.topic))
        self._detector = StallDetector(after_s=settings.ingestion_stall_after_s)
        self.stalled = False
        self.last: Lag | None = None  # the latest reading, None when it failed

    async def check(self) -> None:
        try:
            lag = await asyncio.to_thread(self._lag)
        except Exception as error:  # Kafka unreachable: ingestion cannot be vouched for
            log.warning("cannot measure the consumer lag: %s", error)
            self.last = None
            metrics.ingestion_measured(None, self.stalled)
            await self._health.set(INGESTION, NOT_SERVING)
            return
        self.last = lag
        stalled = self._detector.observe(lag)
        if stalled and not self.stalled:
            log.error(
                "ingestion stalled: consumer group %s has lag %d and no progress",
                self._settings.consumer_group,
                lag.total,
            )
        self.stalled = stalled
        metrics.ingestion_measured(lag, stalled)
        await self._health.set(INGESTION, NOT_SERVING if stalled else SERVING)

    def oldest_waiting_s(self) -> float | None:
        """How long the oldest event waiting for ClickHouse's consumer had waited, at the latest reading."""
        return self.last.oldest_waiting_s if self.last else None

    async def run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self._settings.ingestion_check_interval_s)
