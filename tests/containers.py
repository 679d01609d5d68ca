"""PostgreSQL, Kafka and ClickHouse as containers of the project's own images (compose.yaml's, built by
`make compose-test` or `python -m stack.compose prepare && docker-compose build postgres kafka clickhouse`), started
with testcontainers in place of the native processes (WALLET_TEST_INFRA=containers, tests/targets.py).

Each container shares the host's network and listens on the session's own ports (StackConfig), exactly where the
native process would: the services the fixtures start, and ClickHouse's Kafka engine inside its container, reach
every component at 127.0.0.1 as they do natively. Ryuk, testcontainers' reaper, cannot be pulled here: run with
TESTCONTAINERS_RYUK_DISABLED=true; every container is removed when its fixture ends."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from testcontainers.core.container import DockerContainer

from stack import clickhouse, kafka, postgres, processes
from stack.config import StackConfig

IMAGES = {"postgres": "wallet/postgres:local", "kafka": "wallet/kafka:local", "clickhouse": "wallet/clickhouse:local"}
START_TIMEOUT = 120.0


def _postgres(cfg: StackConfig) -> DockerContainer:
    settings = {"port": cfg.pg_port, "listen_addresses": cfg.host, "wal_level": "logical", "max_wal_senders": 10,
                "max_replication_slots": 10, "max_connections": 200}  # fmt: skip
    command = ["postgres", *(arg for name, value in settings.items() for arg in ("-c", f"{name}={value}"))]
    container = DockerContainer(IMAGES["postgres"], env={"POSTGRES_PASSWORD": cfg.database_password})
    return container.with_command(command)


def _kafka(cfg: StackConfig) -> DockerContainer:
    host, port, controller = cfg.host, cfg.kafka_port, cfg.kafka_controller_port
    env = {
        "KAFKA_LISTENERS": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": f"{kafka.NODE_ID}@{host}:{controller}",
    }
    return DockerContainer(IMAGES["kafka"], env=env)


def _clickhouse(cfg: StackConfig) -> DockerContainer:
    env = {
        "CLICKHOUSE_PASSWORD": clickhouse.password(cfg),
        "CLICKHOUSE_LISTEN_HOST": cfg.host,
        "CLICKHOUSE_HTTP_PORT": str(cfg.clickhouse_http_port),
        "CLICKHOUSE_TCP_PORT": str(cfg.clickhouse_tcp_port),
    }
    return DockerContainer(IMAGES["clickhouse"], env=env)


# name -> (its container, the native module's readiness check)
_COMPONENTS: dict[str, tuple[Callable[[StackConfig], DockerContainer], Callable[[StackConfig], bool]]] = {
    "postgres": (_postgres, postgres.is_ready),
    "kafka": (_kafka, kafka.is_ready),
    "clickhouse": (_clickhouse, clickhouse.is_ready),
}


@contextmanager
def running(cfg: StackConfig, name: str) -> Iterator[StackConfig]:
    """The component `name` (postgres, kafka, clickhouse) in a container on the session's ports, ready as its native
    start() leaves it (Kafka with its topic); removed afterwards."""
    make, ready = _COMPONENTS[name]
    container = make(cfg).with_kwargs(network_mode="host")
    container.start()
    try:
        try:
            processes.wait_until(lambda: ready(cfg), START_TIMEOUT, f"{name} in its container")
        except processes.StackError:
            print(container.get_logs()[0].decode(errors="replace")[-3000:])
            raise
        if name == "kafka":
            kafka.ensure_topic(cfg, cfg.topic)
        yield cfg
    finally:
        container.stop()
