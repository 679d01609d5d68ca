"""Kafka, Kafka Connect (with Debezium) and ClickHouse start natively and work together."""

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer

from stack import clickhouse, connect, kafka
from stack.config import StackConfig
from stack.processes import free_ports, port_open, running_pid, wait_until

pytestmark = pytest.mark.infra

COMPONENTS = (connect, clickhouse, kafka)  # stop order: consumers before the broker


@pytest.fixture
def infra(tmp_path: Path) -> Iterator[StackConfig]:
    kafka_port, controller, connect_port, connect_metrics, http, tcp = free_ports(6)
    cfg = StackConfig(
        state_dir=tmp_path / "stack",
        kafka_port=kafka_port,
        kafka_controller_port=controller,
        connect_port=connect_port,
        connect_metrics_port=connect_metrics,  # its JMX exporter agent
        clickhouse_http_port=http,
        clickhouse_tcp_port=tcp,
    )
    try:
        yield cfg
    finally:
        for component in COMPONENTS:
            component.stop(cfg)


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_kafka_connect_and_clickhouse_work_together(infra: StackConfig) -> None:
    cfg = infra
    timings = {}
    for component in (kafka, connect, clickhouse):
        started = time.monotonic()
        component.start(cfg)
        timings[component.NAME] = round(time.monotonic() - started, 2)
        assert component.is_ready(cfg)
    print(f"start-up seconds: {timings}")

    kafka.start(cfg)  # a second start is a no-op on a running broker
    assert connect.POSTGRES_CONNECTOR in connect.plugins(cfg)

    topic = "smoke.events"
    kafka.ensure_topic(cfg, topic, partitions=1)
    early, late = str(uuid.uuid4()), str(uuid.uuid4())

    def produce(event_id: str, amount: str) -> None:
        # a producer per message, gone before the broker stops (it would log the disconnect)
        producer = Producer({"bootstrap.servers": cfg.kafka_bootstrap})
        producer.produce(topic, json.dumps({"id": event_id, "amount": amount}).encode())
        assert producer.flush(10) == 0

    # Written before ClickHouse's consumer group exists: only auto.offset.reset=smallest keeps it.
    produce(early, "1.50")
    q = lambda sql: clickhouse.query(cfg, sql)  # noqa: E731
    q("CREATE TABLE smoke (id String, amount Decimal(18, 2)) ENGINE = MergeTree ORDER BY id")
    q(
        "CREATE TABLE smoke_queue (id String, amount String) ENGINE = Kafka SETTINGS "
        f"kafka_broker_list = '{cfg.kafka_bootstrap}', kafka_topic_list = '{topic}', "
        "kafka_group_name = 'smoke', kafka_format = 'JSONEachRow'"
    )
    q("CREATE MATERIALIZED VIEW smoke_mv TO smoke AS SELECT id, toDecimal64(amount, 2) AS amount "
      "FROM smoke_queue")  # fmt: skip
    produce(late, "20.25")

    started = time.monotonic()
    wait_until(lambda: q("SELECT count() FROM smoke").strip() == "2", 60, "rows in ClickHouse")
    print(f"Kafka -> ClickHouse seconds: {time.monotonic() - started:.2f}")
    # minor units: how a Decimal prints differs between 18.16 and modern servers
    rows = q("SELECT id, toUInt64(amount * 100) AS cents FROM smoke FORMAT JSONEachRow")
    got = {row["id"]: int(row["cents"]) for row in map(json.loads, rows.splitlines())}
    assert got == {early: 150, late: 2025}

    pids = {c.NAME: running_pid(cfg, c.NAME) for c in COMPONENTS}
    assert all(pids.values()), pids
    for component in COMPONENTS:
        started = time.monotonic()
        assert component.stop(cfg)
        print(f"{component.NAME} stopped in {time.monotonic() - started:.2f}s")
    for name, pid in pids.items():
        assert pid is not None and not _alive(pid), f"{name} (pid {pid}) still runs"
        assert running_pid(cfg, name) is None
    for port in (cfg.kafka_port, cfg.connect_port, cfg.clickhouse_http_port):
        assert not port_open(cfg.host, port)
    assert os.listdir(cfg.path("run")) == []
