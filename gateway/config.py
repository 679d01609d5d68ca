"""Gateway settings, all from the environment (GATEWAY_*)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    bank_target: str = "127.0.0.1:50051"
    analytics_target: str = "127.0.0.1:50052"
    card_adapter_target: str = "127.0.0.1:50053"
    # Deadline of one gRPC call; past it the client gets 504.
    grpc_timeout_s: float = 5.0
    readiness_timeout_s: float = 1.0
    cors_origins: list[str] = []
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
