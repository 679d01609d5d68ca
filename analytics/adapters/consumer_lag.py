"""How far ClickHouse's Kafka consumer is behind the topic, and whether it has stopped moving.

ClickHouse 18.16 cannot skip a malformed message: its consumer stops at it for good. The symptom
seen from outside is a consumer group whose committed offsets stay put while messages wait.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from confluent_kafka import Consumer, Message, TopicPartition


@dataclass(frozen=True)
class Lag:
    """Per-partition committed offset and end offset of one consumer group on one topic, and how long the oldest
    event still waiting for the group had waited since it occurred (None: none waits, or it could not be read)."""

    committed: dict[int, int]
    end: dict[int, int]
    oldest_waiting_s: float | None = None

    @property
    def total(self) -> int:
        return sum(max(0, self.end[p] - max(self.committed.get(p, 0), 0)) for p in self.end)


def measure(brokers: str, group: str, topic: str, timeout_s: float = 5.0) -> Lag:
    """Read the group's committed offsets and the topic's end offsets, and the first message waiting in each partition
    behind (assigned, never subscribed: no group membership taken, no offset committed)."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s).topics[topic]
        partitions = [TopicPartition(topic, p) for p in sorted(metadata.partitions)]
        committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, timeout=timeout_s)}
        watermarks = {p.partition: consumer.get_watermark_offsets(p, timeout=timeout_s) for p in partitions}
        next_up = {p: max(committed.get(p, 0), low) for p, (low, _) in watermarks.items()}
        behind = [TopicPartition(topic, p, offset) for p, offset in next_up.items() if offset < watermarks[p][1]]
        oldest = _oldest_waiting_s(consumer, behind, timeout_s)
    finally:
        consumer.close()
    return Lag(committed=committed, end={p: end for p, (_, end) in watermarks.items()}, oldest_waiting_s=oldest)


def _oldest_waiting_s(consumer: Consumer, heads: list[TopicPartition], timeout_s: float) -> float | None:
    """Seconds since the oldest of the messages at `heads` occurred."""
    if not heads:
        return None
    consumer.assign(heads)
    occurred: dict[int, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(occurred) < len(heads) and (left := deadline - time.monotonic()) > 0:
        for message in consumer.consume(len(heads), left):
            partition = message.partition()
            if message.error() is None and partition is not None and partition not in occurred:
                occurred[partition] = occurred_at(message)
    return time.time() - min(occurred.values()) if occurred else None


def occurred_at(message: Message) -> float:
    """When the event occurred (the payload's occurred_at, the Bank's clock in its transaction), in epoch seconds; for
    a message without one (malformed), when it was written to the topic."""
    try:
        return datetime.fromisoformat(json.loads(message.value() or b"")["occurred_at"]).timestamp()
    except (ValueError, TypeError, KeyError):
        written_ms = message.timestamp()[1]
        return written_ms / 1000 if written_ms > 0 else time.time()


@dataclass
class StallDetector:
    """Says 'stalled' when the lag stays above zero and the committed offsets do not move for `after_s`."""

    after_s: float
    _since: float | None = None
    _last: dict[int, int] = field(default_factory=dict)

    def observe(self, lag: Lag, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        moving = lag.committed != self._last
        self._last = dict(lag.committed)
        if lag.total == 0 or moving:
            self._since = None if lag.total == 0 else now
            return False
        if self._since is None:
            self._since = now
        return now - self._since >= self.after_s
