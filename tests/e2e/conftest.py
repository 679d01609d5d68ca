"""E2E fixtures for the event pipeline: Kafka, Kafka Connect + Debezium and ClickHouse, for real."""

from collections.abc import Iterator

import clickhouse_connect
import pytest
from clickhouse_connect.driver.client import Client

from stack import clickhouse as clickhouse_server
from stack import connect, outbox_connector
from stack.config import StackConfig
from tests.targets import TARGET


@pytest.fixture(scope="session")
def pipeline(database: StackConfig, clickhouse: StackConfig) -> Iterator[StackConfig]:
    """The outbox connector RUNNING on Kafka Connect, and ClickHouse consuming wallet.operations."""
    if TARGET.compose:  # its register-connector job has run
        yield clickhouse
        return
    connect.start(clickhouse)
    outbox_connector.register(clickhouse)
    yield clickhouse
    connect.stop(clickhouse)


@pytest.fixture(scope="session")
def clickhouse_client(pipeline: StackConfig) -> Iterator[Client]:
    client = clickhouse_connect.get_client(
        host=pipeline.host, port=pipeline.clickhouse_http_port, password=clickhouse_server.password(pipeline)
    )
    yield client
    client.close()
