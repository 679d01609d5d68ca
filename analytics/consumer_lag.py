"""How far ClickHouse's Kafka consumer is behind the topic, and whether it has stopped moving.

ClickHouse 18.16 cannot skip a malformed message: its consumer stops at it for good. The symptom
seen from outside is a consumer group whose committed offsets stay put while messages wait.
"""

import time
from dataclasses import dataclass, field

from confluent_kafka import Consumer, TopicPartition


@dataclass(frozen=True)
class Lag:
    """Per-partition committed offset and end offset of one consumer group on one topic."""

    committed: dict[int, int]
    end: dict[int, int]

    @property
    def total(self) -> int:
        return sum(max(0, self.end[p] - max(self.committed.get(p, 0), 0)) for p in self.end)


def measure(brokers: str, group: str, topic: str, timeout_s: float = 5.0) -> Lag:
    """Read the group's committed offsets and the topic's end offsets (no group membership taken)."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s).topics[topic]
        partitions = [TopicPartition(topic, p) for p in sorted(metadata.partitions)]
        committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, timeout=timeout_s)}
        end = {p.partition: consumer.get_watermark_offsets(p, timeout=timeout_s)[1] for p in partitions}
    finally:
        consumer.close()
    return Lag(committed=committed, end=end)


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
