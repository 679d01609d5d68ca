"""The Wallet's own services (Bank, Card Adapter, Analytics, gateway) as background processes of the stack."""

import functools
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stack import certificates, processes, secrets
from stack.config import REPO_ROOT, SERVICES, StackConfig

START_TIMEOUT = 60.0
# The module each gRPC service runs as.
GRPC_MODULES = {
    "bank": "bank.entrypoints.grpc_server",
    "card_adapter": "card_adapter.entrypoints.grpc_server",
    "analytics": "analytics.entrypoints.grpc_server",
}


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    http: bool = False  # serves HTTP (a gateway), else gRPC


def grpc_target(cfg: StackConfig, service: str) -> str:
    """Every replica of `service`, as a gRPC target: its clients balance over them (kernel.grpc_channels)."""
    addresses = ",".join(f"{cfg.host}:{port}" for port in cfg.replica_ports(service))
    return f"ipv4:{addresses}" if "," in addresses else addresses


def service_env(cfg: StackConfig) -> dict[str, str]:
    """Every service setting the stack decides, as the environment variables the services read."""
    return {
        "BANK_HOST": cfg.host,
        "BANK_CLICKHOUSE_HOST": cfg.host,  # reconciliation (bank/entrypoints/reconciliation_job.py)
        "BANK_CLICKHOUSE_HTTP_PORT": str(cfg.clickhouse_http_port),
        "GATEWAY_BANK_TARGET": grpc_target(cfg, "bank"),
        "GATEWAY_ANALYTICS_TARGET": grpc_target(cfg, "analytics"),
        "GATEWAY_CARD_ADAPTER_TARGET": grpc_target(cfg, "card_adapter"),
        "CARD_ADAPTER_HOST": cfg.host,
        "CARD_ADAPTER_BANK_TARGET": grpc_target(cfg, "bank"),
        "ANALYTICS_HOST": cfg.host,
        "ANALYTICS_CLICKHOUSE_HOST": cfg.host,
        "ANALYTICS_CLICKHOUSE_HTTP_PORT": str(cfg.clickhouse_http_port),
        "ANALYTICS_KAFKA_BROKERS": cfg.kafka_bootstrap,
        "ANALYTICS_TOPIC": cfg.topic,
        # gRPC's C core writes its own lines to stderr, outside the JSON logs (kernel/logs.py): only its errors.
        "GRPC_VERBOSITY": "ERROR",
        **secrets.service_env(cfg),
        **_tls_env(cfg),
    }


def _tls_env(cfg: StackConfig) -> dict[str, str]:
    """BANK_TLS_CA_FILE, BANK_TLS_CERT_FILE, BANK_TLS_KEY_FILE and so on: each service's own certificate."""
    return {
        f"{service.upper()}_{setting.upper()}": str(path)
        for service in SERVICES
        for setting, path in certificates.identity(cfg, service).tls_settings().items()
    }


def replica_names(cfg: StackConfig, service: str) -> list[str]:
    """The supervisord programs of `service`'s replicas: bank-1, bank-2…"""
    return [f"{service}-{index}" for index in range(1, cfg.replicas(service) + 1)]


def replica(cfg: StackConfig, service: str, index: int = 1, **settings: str) -> Service:
    """Replica `index` (from 1) of `service` on its own port; `settings` override the service's variables
    (CARD_ADAPTER_DEPOSIT_BUDGET_S for card_adapter's deposit_budget_s="5", GATEWAY_RATE_LIMIT_MONEY…)."""
    port = cfg.replica_ports(service)[index - 1]
    name = replica_names(cfg, service)[index - 1]
    if service == "gateway":
        return gateway(cfg, port, name, **settings)
    argv = [sys.executable, "-m", GRPC_MODULES[service]]
    metrics_port = cfg.metrics_ports(service)[index - 1]
    env = _env_with(cfg, service.upper(), {"port": str(port), "metrics_port": str(metrics_port), **settings})
    return Service(name, argv, {**env, **telemetry_env(cfg, service, name)}, port)


def _env_with(cfg: StackConfig, prefix: str, settings: dict[str, str]) -> dict[str, str]:
    return {**service_env(cfg), **{f"{prefix}_{name.upper()}": value for name, value in settings.items()}}


def telemetry_env(cfg: StackConfig, service: str, name: str) -> dict[str, str]:
    """OpenTelemetry's standard variables for one process `name` (a replica, bank-1) of `service`: its spans go to the
    stack's Jaeger over OTLP gRPC, sampled at cfg.trace_sample_ratio; WALLET_REPLICA names it in its log lines."""
    return {
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id={name}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{cfg.host}:{cfg.otlp_port}",
        "OTEL_EXPORTER_OTLP_INSECURE": "true",
        # A request that arrives with a traceparent keeps its caller's decision; a new trace is kept at this ratio.
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(cfg.trace_sample_ratio),
        "WALLET_REPLICA": name,
    }


# Longer than any request may take (the gateway's deadline, GATEWAY_GRPC_TIMEOUT_S, is 5 s): on SIGTERM uvicorn stops
# accepting, lets running requests finish within this, then exits.
GATEWAY_GRACEFUL_SHUTDOWN_S = 10


def gateway(cfg: StackConfig, port: int, name: str | None = None, **settings: str) -> Service:
    """A gateway process on `port` (named gateway-<port> unless `name` says otherwise); `settings` override GATEWAY_*
    variables, e.g. rate_limit_money="5/second"."""
    argv = [sys.executable, "-m", "uvicorn", "gateway.main:create_app", "--factory", "--host", cfg.host]
    # Idle connections are closed by clients and proxies first (their timeouts are shorter), never by the
    # gateway just as a client reuses one: uvicorn's 5 s default raced httpx's own 5 s keep-alive.
    argv += ["--port", str(port), "--no-access-log", "--timeout-keep-alive", "75"]
    argv += ["--timeout-graceful-shutdown", str(GATEWAY_GRACEFUL_SHUTDOWN_S)]
    # The client's address comes from the proxy's X-Forwarded-For (it sets the header itself, see stack/proxy.py),
    # so that limits per address count clients, not the proxy.
    argv += ["--proxy-headers", "--forwarded-allow-ips", cfg.host]
    name = name or f"gateway-{port}"
    env = {**_env_with(cfg, "GATEWAY", settings), **telemetry_env(cfg, "gateway", name)}
    return Service(name, argv, env, port, http=True)


def start_gateway(cfg: StackConfig, port: int, **settings: str) -> str:
    """Start a gateway of its own on `port` (see gateway()), beside the stack's replicas, and wait until it is live;
    returns its URL."""
    service = gateway(cfg, port, **settings)
    start(cfg, service, lambda: serving(cfg, service))
    return gateway_url(cfg, port)


def gateway_url(cfg: StackConfig, port: int) -> str:
    return f"http://{cfg.host}:{port}"


def start_replicas(cfg: StackConfig, service: str, **settings: str) -> None:
    """Every replica of `service` (see replica()): started together, then each waited for until it serves."""
    start_services(cfg, {service: settings})


def start_services(cfg: StackConfig, settings: Mapping[str, Mapping[str, str]]) -> None:
    """Every replica of each service named in `settings` (service -> its settings, see replica()), all started at once
    (their start-up is mostly CPU: two cores are busier this way, never idle), then each waited for until it serves."""
    certificates.ensure(cfg)  # every service serves or connects with mutual TLS
    replicas = [
        replica(cfg, service, index, **overrides)
        for service, overrides in settings.items()
        for index in range(1, cfg.replicas(service) + 1)
    ]
    for each in replicas:
        processes.spawn(cfg, each.name, each.argv, env=each.env, cwd=REPO_ROOT)
    for each in replicas:
        processes.wait_ready(cfg, each.name, functools.partial(serving, cfg, each), START_TIMEOUT, each.name)


def stop_replicas(cfg: StackConfig, service: str, sig: int | None = None) -> None:
    """Stop every replica of `service` (see processes.stop for `sig`)."""
    for name in replica_names(cfg, service):
        processes.stop(cfg, name, sig)


def start_analytics(cfg: StackConfig, **settings: str) -> None:
    """Start the Analytics service and wait until it serves gRPC health (ClickHouse need not be up)."""
    start_replicas(cfg, "analytics", **settings)


def serving(cfg: StackConfig, service: Service, ready: bool = False) -> bool:
    """Whether a replica serves: gRPC health SERVING; a gateway live, or with `ready` also reaching the Bank."""
    if service.http:
        return http_ok(f"{gateway_url(cfg, service.port)}/health/{'ready' if ready else 'live'}")
    return grpc_serving(cfg, service.port)


def migrate_bank(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "alembic", "-c", "bank/alembic.ini", "upgrade", "head"])


def migrate_card_adapter(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "alembic", "-c", "card_adapter/alembic.ini", "upgrade", "head"])


def migrate_analytics(cfg: StackConfig) -> None:
    """Apply clickhouse/*.sql (idempotent): the analytics store and its Kafka consumer."""
    _run(cfg, [sys.executable, "-m", "analytics.commands.schema"])


def seed_bank(cfg: StackConfig) -> None:
    _run(cfg, [sys.executable, "-m", "bank.seed"])


def _run(cfg: StackConfig, argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=REPO_ROOT, env=_environ(service_env(cfg)), capture_output=True, text=True)
    if result.returncode != 0:
        raise processes.StackError(f"{' '.join(argv[2:])} failed:\n{result.stderr[-3000:]}")


def _environ(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}


def start(cfg: StackConfig, service: Service, ready, timeout: float = START_TIMEOUT) -> None:
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
