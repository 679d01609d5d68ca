"""The Wallet's own services (Bank, Card Adapter, Analytics, gateway) as background processes of the stack."""

import os
import subprocess
import sys
from dataclasses import dataclass, field

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stack import certificates, processes, secrets
from stack.config import REPO_ROOT, StackConfig


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def service_env(cfg: StackConfig) -> dict[str, str]:
    """Every service setting the stack decides, as the environment variables the services read."""
    return {
        "BANK_HOST": cfg.host,
        "BANK_PORT": str(cfg.bank_port),
        "GATEWAY_BANK_TARGET": f"{cfg.host}:{cfg.bank_port}",
        "GATEWAY_ANALYTICS_TARGET": f"{cfg.host}:{cfg.analytics_port}",
        "GATEWAY_CARD_ADAPTER_TARGET": f"{cfg.host}:{cfg.card_adapter_port}",
        "CARD_ADAPTER_HOST": cfg.host,
        "CARD_ADAPTER_PORT": str(cfg.card_adapter_port),
        "CARD_ADAPTER_BANK_TARGET": f"{cfg.host}:{cfg.bank_port}",
        "ANALYTICS_HOST": cfg.host,
        "ANALYTICS_PORT": str(cfg.analytics_port),
        "ANALYTICS_CLICKHOUSE_HOST": cfg.host,
        "ANALYTICS_CLICKHOUSE_HTTP_PORT": str(cfg.clickhouse_http_port),
        "ANALYTICS_KAFKA_BROKERS": cfg.kafka_bootstrap,
        "ANALYTICS_TOPIC": cfg.topic,
        **secrets.service_env(cfg),
        **_tls_env(cfg),
    }


def _tls_env(cfg: StackConfig) -> dict[str, str]:
    """BANK_TLS_CA_FILE, BANK_TLS_CERT_FILE, BANK_TLS_KEY_FILE and so on: each service's own certificate."""
    return {
        f"{service.upper()}_{setting.upper()}": str(path)
        for service in ("bank", "card_adapter", "analytics", "gateway")
        for setting, path in certificates.identity(cfg, service).tls_settings().items()
    }


def bank(cfg: StackConfig) -> Service:
    return Service("bank", [sys.executable, "-m", "bank.entrypoints.grpc_server"], service_env(cfg))


def card_adapter(cfg: StackConfig, **settings: str) -> Service:
    """`settings` override CARD_ADAPTER_* variables, e.g. deposit_budget_s="5"."""
    argv = [sys.executable, "-m", "card_adapter.entrypoints.grpc_server"]
    return Service("card_adapter", argv, _env_with(cfg, "CARD_ADAPTER", settings))


def analytics(cfg: StackConfig, **settings: str) -> Service:
    """`settings` override ANALYTICS_* variables, e.g. query_timeout_s="1"."""
    argv = [sys.executable, "-m", "analytics.entrypoints.grpc_server"]
    return Service("analytics", argv, _env_with(cfg, "ANALYTICS", settings))


def start_analytics(cfg: StackConfig, **settings: str) -> None:
    """Start the Analytics service and wait until it serves gRPC health (ClickHouse need not be up)."""
    start(cfg, analytics(cfg, **settings), lambda: grpc_serving(cfg, cfg.analytics_port))


def _env_with(cfg: StackConfig, prefix: str, settings: dict[str, str]) -> dict[str, str]:
    return {**service_env(cfg), **{f"{prefix}_{name.upper()}": value for name, value in settings.items()}}


def gateway(cfg: StackConfig, port: int | None = None, **settings: str) -> Service:
    """The gateway on cfg.gateway_port, or another one on `port`; `settings` override GATEWAY_* variables,
    e.g. rate_limit_money="5/second"."""
    argv = [sys.executable, "-m", "uvicorn", "gateway.main:create_app", "--factory", "--host", cfg.host]
    # Idle connections are closed by clients and proxies first (their timeouts are shorter), never by the
    # gateway just as a client reuses one: uvicorn's 5 s default raced httpx's own 5 s keep-alive.
    argv += ["--port", str(port or cfg.gateway_port), "--no-access-log", "--timeout-keep-alive", "75"]
    name = f"gateway-{port}" if port else "gateway"
    return Service(name, argv, _env_with(cfg, "GATEWAY", settings))


def start_gateway(cfg: StackConfig, port: int | None = None, **settings: str) -> str:
    """Start a gateway (see gateway()) and wait until it is live; returns its URL."""
    url = f"http://{cfg.host}:{port or cfg.gateway_port}"
    start(cfg, gateway(cfg, port, **settings), lambda: http_ok(f"{url}/health/live"))
    return url


def migrate_bank(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "alembic", "-c", "bank/alembic.ini", "upgrade", "head"])


def migrate_card_adapter(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "alembic", "-c", "card_adapter/alembic.ini", "upgrade", "head"])


def migrate_analytics(cfg: StackConfig) -> None:
    """Apply clickhouse/*.sql (idempotent): the analytics store and its Kafka consumer."""
    _run(cfg, [sys.executable, "-m", "analytics.schema"])


def seed_bank(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "bank.seed"])


def _run(cfg: StackConfig, argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=REPO_ROOT, env=_environ(service_env(cfg)), capture_output=True, text=True)
    if result.returncode != 0:
        raise processes.StackError(f"{' '.join(argv[2:])} failed:\n{result.stderr[-3000:]}")


def _environ(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}


def start(cfg: StackConfig, service: Service, ready, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    certificates.ensure(cfg)  # every service serves or connects with mutual TLS
    processes.spawn(cfg, service.name, service.argv, env=service.env, cwd=REPO_ROOT)
    processes.wait_ready(cfg, service.name, ready, timeout, service.name)


def grpc_serving(cfg: StackConfig, port: int) -> bool:
    """Whether the service on `port` answers its gRPC health check SERVING (asked with the stack's certificate)."""
    try:
        with grpc.secure_channel(f"{cfg.host}:{port}", certificates.client_credentials(cfg)) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        return reply.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
