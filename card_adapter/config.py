"""Card Adapter settings, all from the environment (CARD_ADAPTER_*)."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kernel.settings import DatabaseServiceSettings, secret


class Settings(DatabaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CARD_ADAPTER_")

    database_url: SecretStr = secret(
        "postgresql+asyncpg://wallet:wallet@127.0.0.1:5433/card_adapter", "holds the password"
    )
    host: str = "127.0.0.1"
    port: int = 50053
    bank_target: str = "127.0.0.1:50051"
    # Deadline of one call to the Bank.
    bank_timeout_s: float = 3.0
    db_max_overflow: int = 20
    # A top-up not settled by then is answered as pending; keep it below the gateway's gRPC deadline (5 s).
    respond_within_s: float = 2.5
    # Retries of the deposit (and of gateway look-ups and refunds): exponential backoff with full jitter.
    retry_base_s: float = 0.2
    retry_cap_s: float = 5.0
    # After this long since the charge, a deposit that never reached the Bank is refunded.
    deposit_budget_s: float = 60.0
    # How long after the request the payment gateway may still capture a charge it did not confirm (from its
    # contract): a top-up declined for want of a charge is watched that long, and a capture that shows up is refunded.
    late_capture_window_s: float = 600.0
    # The longest pause between two looks for such a late capture (backoff from retry_base_s).
    late_capture_poll_s: float = 30.0
    # How often to look for top-ups whose worker died in another replica.
    sweep_interval_s: float = 30.0
    # The mock payment gateway (the only mock in the product).
    gateway_latency_ms: int = Field(default=50, ge=0)
    gateway_failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    gateway_seed: int | None = None
    gateway_timeout_s: float = 2.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
