"""A look at each stage of the event pipeline: the connector, the topic, ClickHouse's consumer lag."""

from typing import Any

from confluent_kafka import Consumer, TopicPartition

from analytics.adapters.consumer_lag import measure
from analytics.config import Settings as AnalyticsSettings
from stack import connect, outbox_connector
from stack.config import StackConfig
from stack.kafka import event_of, headers_of

CLICKHOUSE_GROUP = AnalyticsSettings.model_fields["consumer_group"].default


def pipeline_status(cfg: StackConfig) -> dict[str, Any]:
    name, _ = outbox_connector.definition()
    status = connect.connector_status(cfg, name) or {}
    lag = measure(cfg.kafka_bootstrap, CLICKHOUSE_GROUP, cfg.topic)
    return {
        "connector": status.get("connector", {}).get("state", "absent"),
        "tasks": [task["state"] for task in status.get("tasks", [])],
        "topic_end_offsets": lag.end,
        "clickhouse_committed_offsets": lag.committed,
        "clickhouse_lag": lag.total,
    }


def topic_tail(cfg: StackConfig, count: int = 5) -> list[dict[str, Any]]:
    """The last `count` messages of each partition of the topic, oldest first."""
    consumer = Consumer(
        {"bootstrap.servers": cfg.kafka_bootstrap, "group.id": "wallet-inspect", "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(cfg.topic, timeout=5).topics[cfg.topic].partitions
        assignment = []
        for p in sorted(partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(cfg.topic, p), timeout=5)
            if high > low:
                assignment.append(TopicPartition(cfg.topic, p, max(low, high - count)))
        consumer.assign(assignment)
        wanted = sum(min(count, consumer.get_watermark_offsets(tp, timeout=5)[1] - tp.offset) for tp in assignment)
        messages: list[dict[str, Any]] = []
        while len(messages) < wanted:
            message = consumer.poll(5)
            if message is None:
                break
            if not message.error():
                messages.append(
                    {
                        "partition": message.partition(),
                        "offset": message.offset(),
                        "key": (message.key() or b"").decode(),
                        "headers": {k: v.decode() for k, v in headers_of(message).items() if not k.startswith("__")},
                        "value": event_of(message),
                    }
                )
        return sorted(messages, key=lambda m: (m["value"].get("occurred_at", ""), m["offset"]))
    finally:
        consumer.close()
