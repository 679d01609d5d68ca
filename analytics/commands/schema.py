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
    for file_statements in rendered.values():
        for statement in file_statements:
            client.command(statement)
    client.close()
    return list(rendered)


if __name__ == "__main__":
    print("applied:", ", ".join(apply(get_settings())))
