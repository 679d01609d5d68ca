"""The analytics store's client as a service opens it to query its operations (clickhouse-connect, blocking)."""

from typing import Any, Protocol

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from pydantic import SecretStr


class ClickHouseSettings(Protocol):
    """The ClickHouse fields of a service's settings."""

    clickhouse_host: str
    clickhouse_http_port: int
    clickhouse_user: str
    clickhouse_password: SecretStr
    clickhouse_database: str


def query_client(settings: ClickHouseSettings, **options: Any) -> Client:
    """A client of the settings' server and database; `options` are clickhouse-connect's (timeouts, a pool)."""
    return clickhouse_connect.get_client(
        host=settings.clickhouse_host,
        port=settings.clickhouse_http_port,
        username=settings.clickhouse_user,
        password=settings.clickhouse_password.get_secret_value(),
        database=settings.clickhouse_database,
        compress=False,  # 18.16 rejects lz4 request bodies
        autogenerate_session_id=False,  # a session admits one query at a time; a service runs several
        **options,
    )
