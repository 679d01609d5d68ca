"""Applies clickhouse/*.sql in name order, idempotently, with features switched on by server version."""

import re
from pathlib import Path
from string import Template

import clickhouse_connect

from analytics.config import Settings, get_settings

SQL_DIR = Path(__file__).resolve().parent.parent / "clickhouse"
# kafka_handle_error_mode='stream' (a dead-letter stream instead of a stalled consumer) came in 21.6.
ERROR_STREAM_SINCE = (21, 6)
_REQUIRES = re.compile(r"^-- requires: kafka_handle_error_mode$", re.M)


def server_version(client) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(int(part) for part in client.command("SELECT version()").split(".")[:2])


def statements(path: Path, variables: dict[str, str]) -> list[str]:
    text = Template(path.read_text()).substitute(variables)
    without_comments = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [stmt.strip() for stmt in without_comments.split(";") if stmt.strip()]


def apply(settings: Settings) -> list[str]:
    """Run every file this server supports; returns the names of the files applied."""
    client = clickhouse_connect.get_client(
        host=settings.clickhouse_host,
        port=settings.clickhouse_http_port,
        username=settings.clickhouse_user,
        password=settings.clickhouse_password,
    )
    error_stream = server_version(client) >= ERROR_STREAM_SINCE
    variables = {
        "database": settings.clickhouse_database,
        "kafka_brokers": settings.kafka_brokers,
        "topic": settings.topic,
        "consumer_group": settings.consumer_group,
        "kafka_max_block_size": str(settings.kafka_max_block_size),
        "error_mode": ",\n         kafka_handle_error_mode = 'stream'" if error_stream else "",
    }
    applied = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        if _REQUIRES.search(path.read_text()) and not error_stream:
            continue
        for statement in statements(path, variables):
            client.command(statement)
        applied.append(path.name)
    client.close()
    return applied


if __name__ == "__main__":
    print("applied:", ", ".join(apply(get_settings())))
