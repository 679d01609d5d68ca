"""Unblocks ClickHouse 18.16's Kafka consumer stopped by a malformed message:
`python -m analytics.commands.skip_malformed`.

For each partition with lag, the message at the consumer group's committed offset is read; if it is
not a JSON object with an event_type (what stops 18.16), the group's offset is moved past it while
the Kafka table is detached. Well-formed messages are never skipped. What was skipped is printed."""

import json
from dataclasses import dataclass

import clickhouse_connect
from confluent_kafka import Consumer, TopicPartition

from analytics.adapters.consumer_lag import measure
from analytics.commands.schema import QUEUE
from analytics.config import Settings, get_settings


@dataclass(frozen=True)
class Skipped:
    partition: int
    offset: int
    message: bytes


def is_malformed(value: bytes | None) -> bool:
    try:
        event = json.loads(value or b"")
    except ValueError:
        return True
    return not isinstance(event, dict) or "event_type" not in event


def skip_malformed(settings: Settings) -> list[Skipped]:
    lag = measure(settings.kafka_brokers, settings.consumer_group, settings.topic)
    stuck = {p: max(offset, 0) for p, offset in lag.committed.items() if lag.end[p] > max(offset, 0)}
    if not stuck:
        return []
    queue = f"{settings.clickhouse_database}.{QUEUE}"
    client = clickhouse_connect.get_client(
        host=settings.clickhouse_host,
        port=settings.clickhouse_http_port,
        username=settings.clickhouse_user,
        password=settings.clickhouse_password.get_secret_value(),
    )
    client.command(f"DETACH TABLE {queue}")  # the consumer leaves the group, so its offsets may be moved
    try:
        return _skip(settings, stuck)
    finally:
        client.command(f"ATTACH TABLE {queue}")
        client.close()


def _skip(settings: Settings, stuck: dict[int, int]) -> list[Skipped]:
    consumer = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": settings.consumer_group,
                         "enable.auto.commit": False})  # fmt: skip
    skipped = []
    try:
        for partition, offset in stuck.items():
            consumer.assign([TopicPartition(settings.topic, partition, offset)])
            message = consumer.poll(10)
            if message is None or message.error() or not is_malformed(message.value()):
                continue
            consumer.commit(offsets=[TopicPartition(settings.topic, partition, offset + 1)], asynchronous=False)
            skipped.append(Skipped(partition, offset, message.value() or b""))
    finally:
        consumer.close()
    return skipped


if __name__ == "__main__":
    for item in skip_malformed(get_settings()):
        print(f"skipped partition {item.partition} offset {item.offset}: {item.message[:200]!r}")
