"""The Ingestion health name follows the consumer lag: stalled only when lag stays and offsets stand still."""

from grpc_health.v1 import health, health_pb2

from analytics.adapters.consumer_lag import Lag, StallDetector
from analytics.config import Settings
from analytics.entrypoints.ingestion_health import INGESTION, IngestionHealth


def lag(committed: int, end: int) -> Lag:
    return Lag(committed={0: committed}, end={0: end})


def test_stall_needs_lag_and_no_progress_for_the_whole_period() -> None:
    detector = StallDetector(after_s=10)
    assert not detector.observe(lag(5, 5), now=0)  # caught up
    assert not detector.observe(lag(5, 7), now=1)  # behind, just noticed
    assert not detector.observe(lag(6, 8), now=5)  # moving
    assert not detector.observe(lag(6, 8), now=14)  # still for 9 s
    assert detector.observe(lag(6, 8), now=16)  # still for 11 s
    assert not detector.observe(lag(8, 8), now=17)  # caught up again
    assert Lag(committed={0: -1001, 1: 3}, end={0: 2, 1: 3}).total == 2  # no commit yet counts from 0


async def test_health_name_turns_not_serving_when_stalled_and_back() -> None:
    servicer = health.aio.HealthServicer()
    readings = iter([lag(1, 3), lag(1, 3), lag(3, 3)])
    monitor = IngestionHealth(
        Settings(environment="development", ingestion_stall_after_s=0), servicer, lag=lambda: next(readings)
    )

    async def status() -> int:
        reply = await servicer.Check(health_pb2.HealthCheckRequest(service=INGESTION), None)
        return reply.status

    await monitor.check()
    assert await status() == health_pb2.HealthCheckResponse.SERVING  # first sight of the lag
    await monitor.check()
    assert monitor.stalled and await status() == health_pb2.HealthCheckResponse.NOT_SERVING
    await monitor.check()
    assert not monitor.stalled and await status() == health_pb2.HealthCheckResponse.SERVING


async def test_unmeasurable_lag_is_not_serving() -> None:
    servicer = health.aio.HealthServicer()

    def kafka_down() -> Lag:
        raise RuntimeError("no broker")

    await IngestionHealth(Settings(environment="development"), servicer, lag=kafka_down).check()
    reply = await servicer.Check(health_pb2.HealthCheckRequest(service=INGESTION), None)
    assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_only_messages_that_would_stop_clickhouse_count_as_malformed() -> None:
    from analytics.commands.skip_malformed import is_malformed

    assert is_malformed(b'{"event_id": "broken') and is_malformed(b"[1, 2]") and is_malformed(b'{"a": 1}')
    assert is_malformed(None) and is_malformed(b"")
    assert not is_malformed(b'{"event_type": "TransferCompleted", "amount": "1.00"}')
