"""The Analytics service's pipeline metrics: ClickHouse's consumer lag and stall flag (as the ingestion health check
measures them), and the pipeline lag from an event's commit in the Bank to its row in ClickHouse.

wallet_pipeline_lag_seconds is the larger of
- the longest an event ingested in the last WINDOW_S seconds took, from its occurred_at (the Bank's clock inside its
  transaction, a few ms before the commit) to its ingestion (clickhouse/006_ingestion_lag.sql). ClickHouse 18.16
  knows that time to the second only, so the second's end is taken: it overstates by less than 1 s, never understates;
- the time the oldest event still waiting for ClickHouse's consumer had waited since it occurred, when the check
  last looked (every ingestion_check_interval_s): while ingestion is stopped, nothing is ingested, yet this grows.
0 when nothing was ingested lately and nothing waits. Blind to events not yet on the topic (Debezium behind or
down): debezium_streaming_milliseconds_behind_source and the replication slot's retained WAL tell those."""

import logging
import math
from collections.abc import Callable, Iterable

from prometheus_client import Gauge
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from analytics.adapters.consumer_lag import Lag
from kernel import metrics

log = logging.getLogger("analytics.metrics")

CONSUMER_LAG = Gauge(
    "wallet_clickhouse_consumer_lag_messages",
    "Messages on the operations topic beyond ClickHouse's consumer group's committed offsets (NaN: unmeasurable)",
)
STALLED = Gauge(
    "wallet_clickhouse_ingestion_stalled",
    "1 when ClickHouse's consumer has lag and its offsets have not moved for ingestion_stall_after_s (NaN: unknown)",
)
PIPELINE_LAG = "wallet_pipeline_lag_seconds"
_PIPELINE_LAG_HELP = "Seconds from an event's commit in the Bank to its row in ClickHouse, of the newest events"
# Ingested events looked at: at least a scrape interval, so that none goes unseen between two scrapes.
WINDOW_S = 30


def ingestion_measured(lag: Lag | None, stalled: bool) -> None:
    """The ingestion check's latest reading; None when Kafka could not be read."""
    CONSUMER_LAG.set(math.nan if lag is None else lag.total)
    STALLED.set(math.nan if lag is None else int(stalled))


class PipelineLag(Collector):
    """Read at scrape time: `ingested` (blocking, in the scrape's thread) gives the lag of the events ingested in the
    last WINDOW_S seconds (None: none was), `waiting` the oldest waiting event's (None: none waits, or unknown)."""

    def __init__(self, ingested: Callable[[int], float | None], waiting: Callable[[], float | None]) -> None:
        self._ingested = ingested
        self._waiting = waiting

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(PIPELINE_LAG, _PIPELINE_LAG_HELP)]

    def collect(self) -> Iterable[Metric]:
        waiting = self._waiting()
        try:
            ingested = self._ingested(WINDOW_S)
        except Exception as error:  # ClickHouse unreachable: only the waiting events tell
            log.warning("cannot read the ingestion lag: %s", type(error).__name__)
            if waiting is None:
                return []
            ingested = None
        return [GaugeMetricFamily(PIPELINE_LAG, _PIPELINE_LAG_HELP, max(ingested or 0.0, waiting or 0.0))]


def watch_pipeline(ingested: Callable[[int], float | None], waiting: Callable[[], float | None]) -> None:
    metrics.register(PipelineLag(ingested, waiting))
