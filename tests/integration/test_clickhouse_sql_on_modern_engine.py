"""clickhouse/*.sql on a modern ClickHouse engine: chdb (ClickHouse in-process), fed by the session's real Kafka broker.

Proven here, on chdb's engine (26.9): every statement analytics.commands.schema renders for that version runs — the
database, the ReplacingMergeTree, the Kafka table with kafka_handle_error_mode = 'stream', the three views, the
dead-letter table and view, and the ingestion-lag table and view. chdb's Kafka engine consumes in-process (background
streaming to the views), so the test then sends a TransferCompleted event and a malformed message to a fresh topic and
waits for the transfer's debit and credit rows in `operations` (checked column by column) and for the malformed message,
with its parse error, in `operations_dead_letters`, and for the event's time in `ingestion_lag`.

Not proven: chdb is an embedded engine, not `clickhouse-server`: no HTTP/native protocol, so neither
clickhouse-connect nor the Analytics service talk to it here, and server configuration is not exercised.

A chdb defect the test works around, narrowly: `import chdb` opens and closes a probe connection, and closing it shuts
down ClickHouse's process-wide StreamingStorageRegistry. From then on every `CREATE TABLE … ENGINE = Kafka` in the
process fails with LOGICAL_ERROR "Shutdown was called" (StreamingStorageRegistry::registerTable), raised after the
table was created, started and attached — a one-column Kafka table fails the same way, so it says nothing about our
SQL. The test accepts exactly that error on the Kafka-engine statement only, then checks the table exists with the
rendered settings; the consumption below shows it works. Once chdb fixes it, the statement simply succeeds.
"""

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from importlib.metadata import version as package_version
from typing import Any

import pytest
from chdb import session as chdb_session
from chdb._exceptions import ChdbError
from confluent_kafka import Producer

from analytics.commands import schema
from analytics.config import Settings
from bank.domain import events, model
from kernel import clock
from stack import kafka as kafka_server
from stack.config import StackConfig

pytestmark = pytest.mark.infra

MALFORMED = '{"event_id": "broken'
# chdb's registry defect (see the module docstring): raised after the Kafka table is created and running.
REGISTRY_DEFECT = "Shutdown was called. (LOGICAL_ERROR)"


def rows(session: chdb_session.Session, sql: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in session.query(sql, "JSONEachRow").bytes().decode().splitlines()]


def execute(session: chdb_session.Session, statement: str) -> bool:
    """Run one statement; False only when it is a Kafka table hit by chdb's registry defect."""
    try:
        session.query(statement)
    except ChdbError as exc:
        if "ENGINE = Kafka" in statement and REGISTRY_DEFECT in str(exc):
            return False
        raise
    return True


def transfer_payload() -> dict[str, Any]:
    accounts = [model.Account(uuid.uuid4(), Decimal("10"), "RUB", clock.now()) for _ in range(2)]
    request = model.TransferRequest.parse(str(accounts[0].id), str(accounts[1].id), "1.00", "RUB", "chdb probe")
    return events.transfer_completed(model.transfer(accounts[0], accounts[1], request)).payload


@pytest.fixture
def modern_engine() -> Iterator[chdb_session.Session]:
    session = chdb_session.Session()
    yield session
    session.close()


def test_clickhouse_sql_runs_and_consumes_on_modern_engine(
    kafka_broker: StackConfig, modern_engine: chdb_session.Session
) -> None:
    started = time.monotonic()
    engine_version = rows(modern_engine, "SELECT version() AS v")[0]["v"]
    probe = f"probe_{uuid.uuid4().hex[:8]}"
    settings = Settings(
        environment="development",
        clickhouse_database=probe,
        kafka_brokers=kafka_broker.kafka_bootstrap,
        topic=f"wallet.{probe}",
        consumer_group=f"chdb-{probe}",
    )
    kafka_server.ensure_topic(kafka_broker, settings.topic, partitions=1)
    rendered = schema.render(schema.parse_version(engine_version), settings)
    assert "005_dead_letters.sql" in rendered, f"{engine_version} should get the dead-letter stream"

    defect_hit = []
    try:
        for name, statements in rendered.items():
            for statement in statements:
                if not execute(modern_engine, statement):
                    defect_hit.append(name)
        tables_sql = f"SELECT name, engine, engine_full FROM system.tables WHERE database = '{probe}'"
        tables = {row["name"]: row for row in rows(modern_engine, tables_sql)}
        assert set(tables) == {
            "operations",
            "operations_queue_v2",
            "transfer_debits_mv",
            "transfer_credits_mv",
            "topup_credits_mv",
            "operations_dead_letters",
            "operations_dead_letters_mv",
            "ingestion_lag",
            "ingestion_lag_mv",
            "hold_events",
            "hold_events_mv",
        }
        assert defect_hit in ([], ["003_operations_queue.sql"])
        assert tables["operations_queue_v2"]["engine"] == "Kafka"
        assert "kafka_handle_error_mode = 'stream'" in tables["operations_queue_v2"]["engine_full"]
        assert tables["operations"]["engine"] == "ReplacingMergeTree"
        ddl_s = time.monotonic() - started
        # The Kafka table streams as soon as its first view exists, and each streaming pass pushes to the views that
        # existed when it began (for up to stream_flush_interval_ms, 7.5 s): a message sent right after the DDL can
        # land in a pass begun before the last views were created, and miss them (seen once in four full runs: the
        # ingestion-lag view). Sending after one such interval puts the messages in a pass that knows every view.
        time.sleep(8)

        payload = transfer_payload()
        producer = Producer({"bootstrap.servers": kafka_broker.kafka_bootstrap})
        for value in (json.dumps(payload), MALFORMED):
            producer.produce(settings.topic, value.encode(), partition=0)
        assert producer.flush(10) == 0

        ops_sql = (
            f"SELECT toString(account_id) AS account_id, occurred_at_us, toString(event_id) AS event_id, event_type,"
            f" toString(operation_type) AS operation_type, operation_id, toString(direction) AS direction,"
            f" toString(amount) AS amount, toString(currency) AS currency, counterparty_id, description"
            f" FROM {probe}.operations"
        )
        dead_sql = f"SELECT raw_message, error, topic FROM {probe}.operations_dead_letters"
        lag_sql = f"SELECT minMerge(oldest_occurred_at_us) AS oldest FROM {probe}.ingestion_lag"
        deadline = time.monotonic() + 60
        while True:
            operations, dead = rows(modern_engine, ops_sql), rows(modern_engine, dead_sql)
            ingested = [row for row in rows(modern_engine, lag_sql) if int(row["oldest"])]
            if len(operations) >= 2 and dead and ingested:
                break
            assert time.monotonic() < deadline, f"after 60 s: operations {operations}, dead letters {dead}"
            time.sleep(0.2)

        occurred = datetime.fromisoformat(payload["occurred_at"])
        common = {
            "occurred_at_us": int(occurred.timestamp()) * 1_000_000 + occurred.microsecond,
            "event_id": payload["event_id"],
            "event_type": "TransferCompleted",
            "operation_type": "transfer",
            "operation_id": payload["transfer_id"],
            "currency": "RUB",
            "description": "chdb probe",
        }
        assert len(operations) == 2, operations
        assert [int(row["oldest"]) for row in ingested] == [common["occurred_at_us"]]  # the malformed one not among
        debit, credit = sorted(operations, key=lambda row: row["direction"] != "debit")
        debit["occurred_at_us"], credit["occurred_at_us"] = int(debit["occurred_at_us"]), int(credit["occurred_at_us"])
        assert Decimal(debit.pop("amount")) == Decimal(credit.pop("amount")) == Decimal("1.00")
        assert debit == {
            **common,
            "account_id": payload["from_account_id"],
            "direction": "debit",
            "counterparty_id": payload["to_account_id"],
        }
        assert credit == {
            **common,
            "account_id": payload["to_account_id"],
            "direction": "credit",
            "counterparty_id": payload["from_account_id"],
        }
        assert len(dead) == 1
        assert dead[0]["raw_message"] == MALFORMED
        assert dead[0]["topic"] == settings.topic
        assert dead[0]["error"]
        print(
            f"chdb {package_version('chdb')} (engine {engine_version}): {sum(map(len, rendered.values()))} statements"
            f" from {len(rendered)} files in {ddl_s:.2f}s (registry defect hit: {bool(defect_hit)});"
            f" consumed in {time.monotonic() - started - ddl_s:.2f}s"
        )
    finally:
        modern_engine.query(f"DROP DATABASE IF EXISTS {probe} SYNC")
