"""Ports, paths and names of the native stack, all overridable from the environment (WALLET_*)."""

import secrets
from collections.abc import Callable
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class StackConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALLET_")

    state_dir: Path = REPO_ROOT / ".stack"
    jars_dir: Path = Path.home() / ".cache" / "wallet" / "jars"
    host: str = "127.0.0.1"

    pg_port: int = 5433
    pg_user: str = "wallet"
    # Empty: a random password generated once into the state folder (secrets/pg_password).
    pg_password: str = ""
    pg_database: str = "wallet"
    card_adapter_database: str = "card_adapter"

    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    connect_port: int = 8083
    clickhouse_http_port: int = 8123
    clickhouse_tcp_port: int = 9000
    redis_port: int = 6380

    bank_port: int = 50051
    analytics_port: int = 50052
    card_adapter_port: int = 50053
    gateway_port: int = 8000

    topic: str = "wallet.operations"

    def path(self, *parts: str) -> Path:
        return self.state_dir.joinpath(*parts)

    def secret_file(self, name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(32)) -> Path:
        """The file of one of the stack's secrets, made once by `make` (random by default), readable by root only."""
        path = self.path("secrets", name)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(make())
        return path

    def derived_secret(self, name: str, value: str) -> Path:
        """The file of a secret made of others (a URL holding a password), written anew on each call."""
        path = self.secret_file(name, lambda: value)
        path.write_text(value)
        return path

    def secret(self, name: str) -> str:
        return self.secret_file(name).read_text()

    @property
    def database_password(self) -> str:
        return self.pg_password or self.secret("pg_password")

    @property
    def logs_dir(self) -> Path:
        return self.path("logs")

    @property
    def database_url(self) -> str:
        password = self.database_password
        return f"postgresql+asyncpg://{self.pg_user}:{password}@{self.host}:{self.pg_port}/{self.pg_database}"

    @property
    def card_adapter_database_url(self) -> str:
        """The Card Adapter's own database, in the same cluster and owned by the same role."""
        return f"{self.database_url.rsplit('/', 1)[0]}/{self.card_adapter_database}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"


PORT_FIELDS = tuple(name for name in StackConfig.model_fields if name.endswith("_port"))


def ephemeral_config() -> StackConfig:
    """A stack in a fresh temp folder on free ports, for tests and benchmarks beside a running `make up`."""
    import tempfile

    from stack.processes import free_ports

    state = Path(tempfile.mkdtemp(prefix="wallet-ephemeral-"))
    state.chmod(0o755)  # the postgres OS user must reach its cluster inside
    ports = free_ports(len(PORT_FIELDS))
    return StackConfig(state_dir=state, **dict(zip(PORT_FIELDS, ports, strict=True)))
