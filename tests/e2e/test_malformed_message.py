"""A malformed message on the topic: what the real ClickHouse does with it, and that we notice.

Runs on a probe database and topic built from the same clickhouse/*.sql, so the shared pipeline of
the other tests keeps flowing. On 18.16 the consumer stops at the bad message for good (no
kafka_skip_broken_messages / kafka_handle_error_mode there): the lag monitor must call it stalled.
The Analytics service reports it as its Ingestion health name going NOT_SERVING.
On a server with kafka_handle_error_mode the message lands in the dead-letter table instead."""

import dataclasses
import json
import time
import uuid
from decimal import Decimal

import grpc
import pytest
from clickhouse_connect.driver.client import Client
from confluent_kafka import Producer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from analytics.adapters.consumer_lag import measure
from analytics.commands import schema
from analytics.commands.skip_malformed import skip_malformed
from analytics.config import Settings
from analytics.entrypoints.ingestion_health import INGESTION
from bank.domain import events, model
from kernel import clock
from stack import certificates, clickhouse, processes, services
from stack.config import StackConfig
from stack.processes import free_port
from tests.polling import eventually

pytestmark = pytest.mark.native  # an Analytics process of its own


def ingestion_stalled(cfg: StackConfig, port: int) -> bool:
    """True once the service reports its Ingestion name NOT_SERVING (NOT_FOUND before its first check)."""
    with grpc.secure_channel(f"{cfg.host}:{port}", certificates.client_credentials(cfg)) as channel:
        request = health_pb2.HealthCheckRequest(service=INGESTION)
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(request, timeout=2)
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.NOT_SERVING


def transfer_event() -> dict:
    accounts = [model.Account(uuid.uuid4(), Decimal("10"), "RUB", clock.now()) for _ in range(2)]
    request = model.TransferRequest.parse(str(accounts[0].id), str(accounts[1].id), "1.00", "RUB")
    return events.transfer_completed(model.transfer(accounts[0], accounts[1], request)).payload


async def test_malformed_message_is_detected(pipeline: StackConfig, clickhouse_client: Client) -> None:
    probe = f"probe_{uuid.uuid4().hex[:8]}"
    settings = Settings(
        environment="development",
        clickhouse_host=pipeline.host,
        clickhouse_http_port=pipeline.clickhouse_http_port,
        clickhouse_password=clickhouse.password(pipeline),
        clickhouse_database=probe,
        kafka_brokers=pipeline.kafka_bootstrap,
        topic=f"wallet.{probe}",
        consumer_group=f"clickhouse-{probe}",
    )
    before, after = transfer_event(), transfer_event()
    producer = Producer({"bootstrap.servers": pipeline.kafka_bootstrap})

    def produce(*values: str) -> None:
        for value in values:
            producer.produce(settings.topic, value.encode(), partition=0)
        assert producer.flush(10) == 0

    produce(json.dumps(before))
    applied = schema.apply(settings)
    error_stream = "005_dead_letters.sql" in applied

    def arrived(event: dict) -> bool:
        query = f"SELECT count() FROM {probe}.operations WHERE operation_id = '{event['transfer_id']}'"
        return int(str(clickhouse_client.command(query))) > 0

    try:
        await eventually(lambda: arrived(before), 60, "the message before the malformed one")
        produce('{"event_id": "broken', json.dumps(after))
        if error_stream:
            await eventually(lambda: arrived(after), 60, "the message after the malformed one")
            dead = int(str(clickhouse_client.command(f"SELECT count() FROM {probe}.operations_dead_letters")))
            assert dead == 1
            return
        # An Analytics service watching the probe's consumer group: its Ingestion health must say so.
        watcher = dataclasses.replace(
            services.replica(
                pipeline,
                "analytics",
                port=str(free_port()),
                metrics_port=str(free_port()),  # not analytics-1's
                consumer_group=settings.consumer_group,
                topic=settings.topic,
                clickhouse_database=probe,
                ingestion_stall_after_s="5",
                ingestion_check_interval_s="0.5",
            ),
            name="analytics_probe",
        )
        port = int(watcher.env["ANALYTICS_PORT"])
        started = time.monotonic()
        services.start(pipeline, watcher, lambda: services.grpc_serving(pipeline, port))
        try:
            await eventually(lambda: ingestion_stalled(pipeline, port), 60, "Ingestion health NOT_SERVING")
        finally:
            processes.stop(pipeline, watcher.name)
        lag = measure(settings.kafka_brokers, settings.consumer_group, settings.topic)
        assert lag.total >= 1, lag
        assert not arrived(after), "18.16 was expected to stop at the malformed message"
        print(f"18.16 stalled at the malformed message; health said so {time.monotonic() - started:.1f}s later")

        # The operator's way out: skip exactly the malformed message; the one after it then arrives.
        [skipped] = skip_malformed(settings)
        assert skipped.message == b'{"event_id": "broken'
        await eventually(lambda: arrived(after), 60, "the message after the skipped one")
    finally:
        clickhouse_client.command(f"DROP DATABASE IF EXISTS {probe}")
