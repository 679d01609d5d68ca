"""A single-node Kafka (KRaft: broker and controller in one JVM) for the native stack."""

import base64
import json
import subprocess
import uuid
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message
from confluent_kafka.admin import AdminClient, NewTopic

from stack import processes
from stack.config import StackConfig
from stack.jars import java_argv
from stack.processes import StackError

NAME = "kafka"
PARTITIONS = 3
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
NODE_ID = 1


def properties(cfg: StackConfig) -> str:
    host, port, ctl = cfg.host, cfg.kafka_port, cfg.kafka_controller_port
    return f"""\
process.roles=broker,controller
node.id={NODE_ID}
controller.quorum.voters={NODE_ID}@{host}:{ctl}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctl}
advertised.listeners=PLAINTEXT://{host}:{port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs={cfg.path(NAME, "data")}
num.partitions={PARTITIONS}
auto.create.topics.enable=true
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# one consumer joins at a time here; waiting for more only slows every first poll
group.initial.rebalance.delay.ms=0
log.retention.hours=168
"""


def _admin(cfg: StackConfig) -> AdminClient:
    # log_level 0: the client would otherwise print a line per refused connection while polling
    return AdminClient({"bootstrap.servers": cfg.kafka_bootstrap, "log_level": 0})


def is_ready(cfg: StackConfig) -> bool:
    """The broker answers a metadata request."""
    if not processes.port_open(cfg.host, cfg.kafka_port):
        return False
    try:
        _admin(cfg).list_topics(timeout=2)
    except KafkaException:
        return False
    return True


def new_cluster_id() -> str:
    """A random cluster id as Kafka's own `Uuid.randomUuid` makes it: url-safe base64 of a UUID,
    never starting with '-', which the storage tool's argument parser would read as an option
    (one id in 64 does; that flaked CI once)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _format_storage(cfg: StackConfig, props: str) -> None:
    data = cfg.path(NAME, "data")
    if (data / "meta.properties").exists():
        return
    argv = java_argv(cfg, NAME, "kafka.tools.StorageTool", "format", "-t", new_cluster_id(), "-c", props)
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"formatting Kafka storage failed:\n{done.stdout}{done.stderr}")


def start(cfg: StackConfig) -> None:
    """Start the broker unless it runs, wait until it answers, create the operations topic."""
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.kafka_port):
            raise StackError(f"port {cfg.kafka_port} is in use by another program")
        props = cfg.path(NAME, "server.properties")
        props.parent.mkdir(parents=True, exist_ok=True)
        props.write_text(properties(cfg))
        _format_storage(cfg, str(props))
        processes.spawn(cfg, NAME, java_argv(cfg, NAME, "kafka.Kafka", str(props)), stop_timeout=STOP_TIMEOUT)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), START_TIMEOUT, "Kafka to answer")
    ensure_topic(cfg, cfg.topic)


def ensure_topic(cfg: StackConfig, topic: str, partitions: int = PARTITIONS) -> None:
    """Create `topic` if it is missing and wait until every partition has a leader."""
    admin = _admin(cfg)
    future = admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=10)[topic]
    try:
        future.result(timeout=15)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise StackError(f"creating topic {topic}: {exc}") from exc

    def has_leaders() -> bool:
        found = admin.list_topics(topic, timeout=2).topics.get(topic)
        return (
            found is not None
            and bool(found.partitions and found.error is None)
            and all(p.leader >= 0 for p in found.partitions.values())
        )

    processes.wait_until(has_leaders, 30, f"leaders for topic {topic}")


def stop(cfg: StackConfig) -> bool:
    """Stop the broker (a clean shutdown, so the next start needs no log recovery)."""
    return processes.stop(cfg, NAME)


def event_of(message: Message) -> dict[str, Any]:
    """The event a message of wallet.operations carries (its outbox row's payload, as JSON)."""
    value = message.value()
    if value is None:
        raise ValueError(f"a message without a value at offset {message.offset()}")
    event: dict[str, Any] = json.loads(value)
    return event


def headers_of(message: Message) -> dict[str, bytes]:
    """A message's headers by name (Debezium's id, eventType, the event's traceparent)."""
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {key: value for key, value in pairs if isinstance(value, bytes)}
