"""Ports, paths and names of the native stack, all overridable from the environment (WALLET_*)."""

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Wallet's own services: each runs as one process or more (replicas), each replica on its own port.
SERVICES = ("bank", "card_adapter", "analytics", "gateway")
GRPC_SERVICES = ("bank", "card_adapter", "analytics")
# A gRPC replica's metrics port, when none is given: its gRPC port + this.
METRICS_PORT_OFFSET = 100


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
    # The reverse proxy in front of the gateway replicas: the REST API's one address.
    gateway_port: int = 8000

    # How many processes of each service run (replicas): gRPC clients balance over a service's replicas, the proxy
    # over the gateway's.
    bank_replicas: int = Field(default=2, ge=1)
    analytics_replicas: int = Field(default=2, ge=1)
    card_adapter_replicas: int = Field(default=2, ge=1)
    gateway_replicas: int = Field(default=2, ge=1)
    # The replicas' ports, one each (WALLET_BANK_REPLICA_PORTS='[50051,50061]'). Empty: the service's port and every
    # tenth after it (Bank 50051, 50061…); the gateway's are the ports after the proxy's (8001, 8002…).
    bank_replica_ports: list[int] = []
    analytics_replica_ports: list[int] = []
    card_adapter_replica_ports: list[int] = []
    gateway_replica_ports: list[int] = []

    topic: str = "wallet.operations"

    # Observability. Prometheus scrapes every replica; each gRPC replica serves /metrics over HTTP on its own metrics
    # port (metrics_ports()), a gateway on its own port. Jaeger takes the services' spans over OTLP gRPC.
    prometheus_port: int = 9090
    jaeger_port: int = 16686  # Jaeger's UI and HTTP query API
    jaeger_grpc_port: int = 16685  # its gRPC query API (nothing of ours uses it, but it always listens)
    jaeger_metrics_port: int = 8888  # Jaeger's own Prometheus metrics (the OpenTelemetry collector's telemetry)
    otlp_port: int = 4317  # Jaeger's OTLP gRPC receiver: where every service exports its spans
    connect_metrics_port: int = 9404  # the JMX exporter agent inside Kafka Connect (Debezium's and Connect's MBeans)
    # The share of new traces kept (a request that arrives with a sampled traceparent is always kept).
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    # The gRPC replicas' metrics ports, one each. Empty: each replica's gRPC port + 100 (Bank 50151, 50161).
    bank_metrics_ports: list[int] = []
    analytics_metrics_ports: list[int] = []
    card_adapter_metrics_ports: list[int] = []

    @model_validator(mode="after")
    def _a_port_per_replica(self) -> "StackConfig":
        for service in SERVICES:
            ports = getattr(self, f"{service}_replica_ports")
            if ports and len(ports) != self.replicas(service):
                raise ValueError(f"{service}: {self.replicas(service)} replicas, but {len(ports)} replica ports")
        for service in GRPC_SERVICES:
            ports = getattr(self, f"{service}_metrics_ports")
            if ports and len(ports) != self.replicas(service):
                raise ValueError(f"{service}: {self.replicas(service)} replicas, but {len(ports)} metrics ports")
        return self

    def replicas(self, service: str) -> int:
        return int(getattr(self, f"{service}_replicas"))

    def replica_ports(self, service: str) -> list[int]:
        """Where each replica of `service` listens, the first replica's first."""
        if ports := getattr(self, f"{service}_replica_ports"):
            return list(ports)
        base = int(getattr(self, f"{service}_port"))
        if service == "gateway":
            return [base + 1 + i for i in range(self.replicas(service))]
        return [base + 10 * i for i in range(self.replicas(service))]

    def metrics_ports(self, service: str) -> list[int]:
        """Where each replica of `service` serves Prometheus's /metrics: a gateway on its own port, a gRPC replica on
        a small HTTP server of its own."""
        if service == "gateway":
            return self.replica_ports(service)
        if ports := getattr(self, f"{service}_metrics_ports"):
            return list(ports)
        return [port + METRICS_PORT_OFFSET for port in self.replica_ports(service)]

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


def replicas_each(count: int) -> dict[str, int]:
    """The settings for `count` replicas of every service: ephemeral_config(**replicas_each(1))."""
    return {f"{service}_replicas": count for service in SERVICES}


def ephemeral_config(**settings: Any) -> StackConfig:
    """A stack in a fresh temp folder on free ports (every replica's too), for tests and benchmarks beside a running
    `make up`; `settings` are StackConfig's, e.g. bank_replicas=1."""
    import tempfile

    from stack.processes import free_ports

    state = Path(tempfile.mkdtemp(prefix="wallet-ephemeral-"))
    state.chmod(0o755)  # the postgres OS user must reach its cluster inside
    counts = StackConfig(state_dir=state, **settings)
    replicas = sum(counts.replicas(service) for service in SERVICES)
    metrics = sum(counts.replicas(service) for service in GRPC_SERVICES)
    ports = iter(free_ports(len(PORT_FIELDS) + replicas + metrics))
    fixed = {name: next(ports) for name in PORT_FIELDS}
    replica_ports: dict[str, list[int]] = {}
    for service in SERVICES:
        # A gRPC service's first replica listens on the service's port (what a client of one replica, such as ghz,
        # dials); the gateway's port is the proxy's.
        first = [] if service == "gateway" else [fixed[f"{service}_port"]]
        more = [next(ports) for _ in range(counts.replicas(service) - len(first))]
        replica_ports[f"{service}_replica_ports"] = first + more
    # A gRPC replica's port + 100 may well be taken: each gets a free one of its own.
    metrics_ports = {
        f"{service}_metrics_ports": [next(ports) for _ in range(counts.replicas(service))] for service in GRPC_SERVICES
    }
    return StackConfig(**{"state_dir": state, **settings, **fixed, **replica_ports, **metrics_ports})
