"""Prometheus over a whole stack: every replica, Connect's JMX exporter, Jaeger and itself scraped and up; Debezium's
metrics through the exporter's rules."""

import time

import httpx
import pytest

from stack import connect
from stack import prometheus as prometheus_server
from stack.config import StackConfig

pytestmark = pytest.mark.native  # the native Prometheus targets, one per replica process

# The first scrape of each target comes within one scrape interval (5 s) of Prometheus's start.
TARGETS_UP_WITHIN_S = 30.0


@pytest.fixture(scope="module")
def whole_stack(
    pipeline: StackConfig,
    gateway_url: str,
    card_adapter_service: StackConfig,
    analytics_service: StackConfig,
    trace_backend: StackConfig,
    prometheus: StackConfig,
) -> StackConfig:
    return prometheus


def test_prometheus_has_every_target_up(whole_stack: StackConfig) -> None:
    cfg = whole_stack
    expected = {(job, replica) for job, each in prometheus_server.targets(cfg).items() for replica, _ in each}
    deadline = time.monotonic() + TARGETS_UP_WITHIN_S
    while True:
        targets = prometheus_server.active_targets(cfg)
        health = {(t["labels"]["job"], t["labels"]["replica"]): (t["health"], t["lastError"]) for t in targets}
        # (the targets appear a few seconds after the start, then each is scraped once within an interval)
        everyone_up = set(health) == expected and all(state == "up" for state, _ in health.values())
        if everyone_up or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(health) == expected
    assert {target: state for target, state in health.items() if state[0] != "up"} == {}
    # and the API's own view: `up` is 1 for each of them
    up = {(s["metric"]["job"], s["metric"]["replica"]): s["value"][1] for s in prometheus_server.query(cfg, "up")}
    assert up == dict.fromkeys(expected, "1")


def test_debeziums_metrics_reach_prometheus_under_their_names(whole_stack: StackConfig) -> None:
    cfg = whole_stack
    text = httpx.get(connect.metrics_url(cfg), timeout=10).text
    assert 'debezium_streaming_connected{plugin="postgres",server="wallet"} 1.0' in text
    for name in ("milliseconds_behind_source", "total_number_of_events_seen", "queue_remaining_capacity"):
        assert f'debezium_streaming_{name}{{plugin="postgres",server="wallet"}}' in text
    assert 'kafka_connect_connector_status{connector="wallet-outbox",status="running"} 1.0' in text
    deadline = time.monotonic() + TARGETS_UP_WITHIN_S
    while not (result := prometheus_server.query(cfg, 'debezium_streaming_connected{job="connect"}')):
        assert time.monotonic() < deadline, "Prometheus has no sample of debezium_streaming_connected"
        time.sleep(0.5)
    assert [sample["value"][1] for sample in result] == ["1"]
