"""Analytics settings, all from the environment (ANALYTICS_*)."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kernel.settings import ServiceSettings, secret


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_")

    host: str = "127.0.0.1"
    port: int = 50052
    clickhouse_host: str = "127.0.0.1"
    clickhouse_http_port: int = 8123
    clickhouse_user: str = "default"
    clickhouse_password: SecretStr = secret("")
    clickhouse_database: str = "wallet"
    # Kafka as ClickHouse reaches it (the Kafka table engine) and as this service reaches it (lag checks).
    kafka_brokers: str = "127.0.0.1:9092"
    topic: str = "wallet.operations"
    consumer_group: str = "clickhouse-wallet"
    # Rows per block read from Kafka; ClickHouse 18.16 flushes (stream_flush_interval_ms) only between
    # blocks, so small blocks keep the history within about a second of the topic.
    kafka_max_block_size: int = 1
    # The Ingestion health name turns NOT_SERVING when ClickHouse's consumer has lag and has not moved
    # for this long (18.16 stops for good at a malformed message).
    ingestion_stall_after_s: float = 60.0
    ingestion_check_interval_s: float = 5.0
    # Whole seconds (clickhouse-connect and max_execution_time take no fractions). Below the gateway's gRPC
    # deadline (5 s), so a slow store answers 504 analytics_store_timeout; ClickHouse stops the query too.
    query_timeout_s: int = Field(default=4, ge=1)
    clickhouse_connect_timeout_s: int = Field(default=1, ge=1)
    # Threads (and HTTP connections) for concurrent ClickHouse queries; clickhouse-connect is blocking.
    clickhouse_max_connections: int = 8
    # Signs page tokens (HMAC). Every replica must share it; change it outside development.
    page_token_secret: SecretStr = secret("wallet-development-page-token-secret")


@lru_cache
def get_settings() -> Settings:
    return Settings()
