"""Analytics settings, all from the environment (ANALYTICS_*)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_")

    host: str = "127.0.0.1"
    port: int = 50052
    clickhouse_host: str = "127.0.0.1"
    clickhouse_http_port: int = 8123
    clickhouse_user: str = "default"
    clickhouse_password: str = ""
    clickhouse_database: str = "wallet"
    # Kafka as ClickHouse reaches it (the Kafka table engine) and as this service reaches it (lag checks).
    kafka_brokers: str = "127.0.0.1:9092"
    topic: str = "wallet.operations"
    consumer_group: str = "clickhouse-wallet"
    query_timeout_s: float = 5.0
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
