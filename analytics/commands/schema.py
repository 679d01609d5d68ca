"""Applies clickhouse/*.sql in name order, idempotently, with features switched on by server version."""

import re
from pathlib import Path
from string import Template

import clickhouse_connect

from analytics.config import Settings, get_settings

SQL_DIR = Path(__file__).resolve().parents[2] / "clickhouse"
# kafka_handle_error_mode='stream' (a dead-letter stream instead of a stalled consumer) came in 21.6.
ERROR_STREAM_SINCE = (21, 6)
_REQUIRES = re.compile(r"^-- requires: kafka_handle_error_mode$", re.M)
# 18.16 has no ADD COLUMN IF NOT EXISTS: the statement runs without it when the column is missing.
_ADD_COLUMN = re.compile(r"^ALTER TABLE (?P<table>\S+) ADD COLUMN IF NOT EXISTS (?P<column>\w+) (?P<rest>.+)$", re.S)
# The Kafka table of clickhouse/003_operations_queue.sql: the consumer of the topic.
QUEUE = "operations_queue_v2"
# Kafka tables replaced by a new shape (clickhouse/003_operations_queue.sql), each with the views that read it: dropped,
# the Kafka table first so that no block reaches some views and not others, before the files create their successors.
RETIRED_QUEUES = {
    "operations_queue": (
        "transfer_debits_mv",
        "transfer_credits_mv",
        "topup_credits_mv",
        "operations_dead_letters_mv",
        "ingestion_lag_mv",
    ),
}


def parse_version(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2])


def server_version(client) -> tuple[int, ...]:
    return parse_version(client.command("SELECT version()"))


def statements(path: Path, variables: dict[str, str]) -> list[str]:
    text = Template(path.read_text()).substitute(variables)
    without_comments = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [stmt.strip() for stmt in without_comments.split(";") if stmt.strip()]


def render(version: tuple[int, ...], settings: Settings) -> dict[str, list[str]]:
    """The statements of every file a server of this version supports, by file name, in order (no client)."""
    error_stream = version >= ERROR_STREAM_SINCE
    variables = {
        "database": settings.clickhouse_database,
        "kafka_brokers": settings.kafka_brokers,
        "topic": settings.topic,
        "consumer_group": settings.consumer_group,
        "kafka_max_block_size": str(settings.kafka_max_block_size),
        "error_mode": ",\n         kafka_handle_error_mode = 'stream'" if error_stream else "",
    }
    return {
        path.name: statements(path, variables)
        for path in sorted(SQL_DIR.glob("*.sql"))
        if error_stream or not _REQUIRES.search(path.read_text())
    }


def apply(settings: Settings) -> list[str]:
    """Run every file this server supports; returns the names of the files applied."""
    client = clickhouse_connect.get_client(
        host=settings.clickhouse_host,
        port=settings.clickhouse_http_port,
        username=settings.clickhouse_user,
        password=settings.clickhouse_password.get_secret_value(),
    )
    rendered = render(server_version(client), settings)
    retire_queues(client, settings.clickhouse_database)
    for file_statements in rendered.values():
        for statement in file_statements:
            run(client, statement)
    client.close()
    return list(rendered)


def retire_queues(client, database: str) -> list[str]:
    """Drop each retired Kafka table still there, then the views that read it; returns what it dropped."""
    dropped = []
    for queue, views in RETIRED_QUEUES.items():
        if client.command(f"EXISTS TABLE {database}.{queue}") == 1:
            for table in (queue, *views):
                client.command(f"DROP TABLE IF EXISTS {database}.{table}")
                dropped.append(table)
    return dropped


def run(client, statement: str) -> None:
    """One statement; ADD COLUMN IF NOT EXISTS only when the column is missing (18.16 cannot say it)."""
    added = _ADD_COLUMN.match(statement)
    if added is None:
        client.command(statement)
        return
    database, table = added["table"].split(".")
    where = {"database": database, "table": table, "column": added["column"]}
    exists = (
        "SELECT count() FROM system.columns WHERE database = %(database)s AND table = %(table)s AND name = %(column)s"
    )
    if client.command(exists, parameters=where) == 0:
        client.command(statement.replace(" ADD COLUMN IF NOT EXISTS ", " ADD COLUMN ", 1))


if __name__ == "__main__":
    print("applied:", ", ".join(apply(get_settings())))
