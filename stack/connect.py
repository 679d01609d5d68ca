"""Kafka Connect in distributed mode, with Debezium's PostgreSQL connector as its plugin."""

import time
from typing import Any

import httpx

from stack import kafka, processes
from stack.config import REPO_ROOT, StackConfig
from stack.jars import ensure_jars, java_argv
from stack.processes import StackError

NAME = "connect"
POSTGRES_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"
GROUP_ID = "wallet-connect"
JMX_EXPORTER_RULES = REPO_ROOT / "stack" / "templates" / "connect-jmx-exporter.yml"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def properties(cfg: StackConfig) -> str:
    return f"""\
bootstrap.servers={cfg.kafka_bootstrap}
group.id={GROUP_ID}
listeners=http://{cfg.host}:{cfg.connect_port}
rest.advertised.host.name={cfg.host}
rest.advertised.port={cfg.connect_port}
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
# plain JSON on the topics: ClickHouse reads them as JSONEachRow, which knows no envelope
key.converter.schemas.enable=false
value.converter.schemas.enable=false
config.storage.topic=_wallet-connect-configs
offset.storage.topic=_wallet-connect-offsets
status.storage.topic=_wallet-connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=1
# Debezium's position in the WAL is saved this often; a crash replays at most this much
offset.flush.interval.ms=5000
plugin.path={ensure_jars(cfg).plugin_path}
# every plugin here (Kafka's own and Debezium's) ships a ServiceLoader manifest, so the slow
# reflective scan of each jar is not needed
plugin.discovery=service_load
# connector configs name credentials as ${{env:VAR}}: resolved by the worker, never stored in Kafka
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
"""


def metrics_agent(cfg: StackConfig) -> str:
    """The Prometheus JMX exporter as a Java agent in the worker's JVM: Debezium's MBeans (debezium_streaming_*) and
    Connect's own (kafka_connect_*), renamed by JMX_EXPORTER_RULES, on http://<host>:<connect_metrics_port>/metrics."""
    jar = ensure_jars(cfg).jmx_exporter
    return f"-javaagent:{jar}={cfg.host}:{cfg.connect_metrics_port}:{JMX_EXPORTER_RULES}"


def metrics_url(cfg: StackConfig) -> str:
    return f"http://{cfg.host}:{cfg.connect_metrics_port}/metrics"


def connector_env(cfg: StackConfig) -> dict[str, str]:
    """What connectors/debezium.json reads through the env config provider."""
    return {
        "WALLET_PG_HOST": cfg.host,
        "WALLET_PG_PORT": str(cfg.pg_port),
        "WALLET_PG_USER": cfg.pg_user,
        "WALLET_PG_PASSWORD": cfg.database_password,
        "WALLET_PG_DATABASE": cfg.pg_database,
        "WALLET_TOPIC": cfg.topic,
    }


def url(cfg: StackConfig) -> str:
    return f"http://{cfg.host}:{cfg.connect_port}"


def _get(cfg: StackConfig, path: str) -> httpx.Response:
    return httpx.get(url(cfg) + path, timeout=5)


def plugins(cfg: StackConfig) -> list[str]:
    """Class names of the connector plugins the worker has loaded."""
    resp = _get(cfg, "/connector-plugins")
    resp.raise_for_status()
    return [p["class"] for p in resp.json()]


def is_ready(cfg: StackConfig) -> bool:
    """The REST API answers and lists Debezium's PostgreSQL connector."""
    try:
        return _get(cfg, "/").status_code == 200 and POSTGRES_CONNECTOR in plugins(cfg)
    except httpx.HTTPError:
        return False


def start(cfg: StackConfig) -> None:
    """Start the worker unless it runs (Kafka must be up) and wait until it serves REST."""
    if processes.running_pid(cfg, NAME) is None:
        for port in (cfg.connect_port, cfg.connect_metrics_port):
            if processes.port_open(cfg.host, port):
                raise StackError(f"port {port} is in use by another program")
        if not kafka.is_ready(cfg):
            # the worker would retry forever instead of failing
            raise StackError(f"Kafka Connect needs Kafka at {cfg.kafka_bootstrap}: start it first")
        props = cfg.path(NAME, "worker.properties")
        props.parent.mkdir(parents=True, exist_ok=True)
        props.write_text(properties(cfg))
        main = "org.apache.kafka.connect.cli.ConnectDistributed"
        argv = java_argv(cfg, NAME, main, str(props), heap="768m", jvm_options=[metrics_agent(cfg)])
        processes.spawn(cfg, NAME, argv, env=connector_env(cfg), stop_timeout=STOP_TIMEOUT)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), START_TIMEOUT, "Kafka Connect REST")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)


def register_connector(cfg: StackConfig, config: dict[str, Any], name: str) -> None:
    """Create the connector `name`, or replace its config if it exists (PUT is idempotent)."""
    body = {k: v for k, v in config.items() if k != "name"}
    deadline = time.monotonic() + 60
    while True:
        resp = httpx.put(f"{url(cfg)}/connectors/{name}/config", json=body, timeout=30)
        # 409: the worker group is rebalancing (e.g. just after start); it settles in seconds
        if resp.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if resp.status_code not in (200, 201):
        raise StackError(f"registering connector {name}: {resp.status_code} {resp.text}")


def connector_status(cfg: StackConfig, name: str) -> dict[str, Any] | None:
    resp = _get(cfg, f"/connectors/{name}/status")
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    return resp.json()


def wait_connector_running(cfg: StackConfig, name: str, timeout: float = 60.0) -> None:
    """Poll until the connector and all its tasks are RUNNING; raise with the trace on FAILED."""

    def running() -> bool:
        status = connector_status(cfg, name)
        if status is None:
            return False
        parts = [status["connector"], *status.get("tasks", [])]
        for part in parts:
            if part["state"] == "FAILED":
                trace = part.get("trace", "(no trace)")
                raise StackError(f"connector {name} failed on {part.get('worker_id')}:\n{trace}")
        return bool(status.get("tasks")) and all(p["state"] == "RUNNING" for p in parts)

    processes.wait_until(running, timeout, f"connector {name} to run", interval=0.5,
                         log=processes.log_file(cfg, NAME))  # fmt: skip
