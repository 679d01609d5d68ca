"""Bank settings, all from the environment (BANK_*)."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kernel.settings import DatabaseServiceSettings, secret


class Settings(DatabaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANK_")

    database_url: SecretStr = secret("postgresql+asyncpg://wallet:wallet@127.0.0.1:5433/wallet", "holds the password")
    host: str = "127.0.0.1"
    port: int = 50051
    # Group commit (bank.adapters.transfer_batches): transfers in flight at once, each lane batching what waits for it.
    transfer_lanes: int = Field(default=4, ge=1)
    # Outbox rows are kept this long (audit, replay) and then deleted; 0 keeps them forever.
    outbox_retention_hours: int = 168
    outbox_purge_interval_s: int = 3600
    # Reconciliation with the analytics store (bank.reconciliation): ClickHouse as the Bank reads it (read only).
    clickhouse_host: str = "127.0.0.1"
    clickhouse_http_port: int = 8123
    clickhouse_user: str = "default"
    clickhouse_password: SecretStr = secret("")
    clickhouse_database: str = "wallet"
    # Every this many seconds (0: never) the days back to reconcile_lookback_hours are compared, up to
    # reconcile_settle_s ago: younger events may still be on their way through the pipeline.
    reconcile_interval_s: int = Field(default=60, ge=0)
    reconcile_lookback_hours: int = Field(default=48, ge=1)
    reconcile_settle_s: int = Field(default=300, ge=0)
    reconcile_query_timeout_s: int = Field(default=30, ge=1)
    # Holds past their expiry are released every this many seconds (0: never), in transactions of at most
    # hold_expiry_batch holds (bank.entrypoints.hold_expiry_job).
    hold_expiry_interval_s: float = Field(default=1.0, ge=0)
    hold_expiry_batch: int = Field(default=100, ge=1, le=10000)


@lru_cache
def get_settings() -> Settings:
    return Settings()
