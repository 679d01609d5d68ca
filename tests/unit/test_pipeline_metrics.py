"""wallet_pipeline_lag_seconds: the larger of the recently ingested events' lag and the oldest waiting event's wait;
0 when neither; only the waiting events when ClickHouse cannot answer; absent when nothing is known."""

import json
import time
from typing import Any

from analytics.adapters.consumer_lag import occurred_at
from analytics.metrics import PIPELINE_LAG, WINDOW_S, PipelineLag


def lag_of(collector: PipelineLag) -> list[float]:
    return [sample.value for family in collector.collect() for sample in family.samples if sample.name == PIPELINE_LAG]


def clickhouse_down(window_s: int) -> float | None:
    raise ConnectionError("ClickHouse is down")


def test_pipeline_lag_is_the_larger_known_part() -> None:
    windows: list[int] = []

    def ingested(window_s: int) -> float | None:
        windows.append(window_s)
        return 1.5

    assert lag_of(PipelineLag(ingested, lambda: 4.0)) == [4.0]
    assert lag_of(PipelineLag(ingested, lambda: None)) == [1.5]
    assert windows == [WINDOW_S, WINDOW_S]
    assert lag_of(PipelineLag(lambda _: None, lambda: None)) == [0.0]  # idle: nothing ingested, nothing waits
    assert lag_of(PipelineLag(clickhouse_down, lambda: 7.0)) == [7.0]
    assert lag_of(PipelineLag(clickhouse_down, lambda: None)) == []


class FakeMessage:
    """The two methods of confluent_kafka.Message that occurred_at reads."""

    def __init__(self, value: Any, written_ms: int) -> None:
        self._value, self._written_ms = value, written_ms

    def value(self) -> Any:
        return self._value

    def timestamp(self) -> tuple[int, int]:
        return 1, self._written_ms


def test_an_event_occurred_when_its_payload_says_else_when_it_was_written() -> None:
    event = json.dumps({"occurred_at": "2026-01-02T03:04:05.250000+00:00"}).encode()
    assert occurred_at(FakeMessage(event, 0)) == 1767323045.25  # type: ignore[arg-type]
    assert occurred_at(FakeMessage(b'{"event_id": "broken', 1767323046000)) == 1767323046.0  # type: ignore[arg-type]
    assert abs(occurred_at(FakeMessage(None, -1)) - time.time()) < 5  # type: ignore[arg-type]
