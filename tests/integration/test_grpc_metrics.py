"""kernel.metrics on a real grpc.aio server and a real metrics HTTP server: each call counted once by the status its
handler ended with, timed, and scrape-time gauges read on the service's loop (or left out when the read fails)."""

import asyncio
from collections.abc import AsyncIterator, Iterable

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from kernel import grpc_server, metrics
from stack.processes import free_port

SERVICE = "grpc.health.v1.Health"


class Probe(health_pb2_grpc.HealthServicer):
    """Answers by the service name asked: ok, abort, set_code, or raise."""

    async def Check(self, request, context):
        if request.service == "abort":
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")
        if request.service == "set_code":
            context.set_code(grpc.StatusCode.FAILED_PRECONDITION)
        if request.service == "raise":
            raise ValueError("a bug")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def handled(code: str) -> float:
    labels = {"grpc_service": SERVICE, "grpc_method": "Check", "grpc_code": code}
    return REGISTRY.get_sample_value("wallet_grpc_server_handled_total", labels) or 0.0


def timed() -> float:
    labels = {"grpc_service": SERVICE, "grpc_method": "Check"}
    return REGISTRY.get_sample_value("wallet_grpc_server_handling_seconds_count", labels) or 0.0


@pytest.fixture
async def probe() -> AsyncIterator[health_pb2_grpc.HealthStub]:
    server = grpc_server.new_server()
    health_pb2_grpc.add_HealthServicer_to_server(Probe(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield health_pb2_grpc.HealthStub(channel)
    await server.stop(None)


async def test_each_call_counts_once_by_the_code_it_ended_with(probe: health_pb2_grpc.HealthStub) -> None:
    codes = {"": "OK", "abort": "NOT_FOUND", "set_code": "FAILED_PRECONDITION", "raise": "UNKNOWN"}
    before = {code: handled(code) for code in codes.values()}
    calls = timed()
    for name, code in codes.items():
        try:
            await probe.Check(health_pb2.HealthCheckRequest(service=name))
        except grpc.aio.AioRpcError as error:
            assert error.code().name == code
        await probe.Check(health_pb2.HealthCheckRequest(service=""))  # the same method, cached handler, again
    after = {code: handled(code) for code in codes.values()}
    assert after == {code: before[code] + (1 if code != "OK" else 5) for code in codes.values()}
    assert timed() == calls + 8


async def test_scrape_time_gauges_are_read_on_the_loop_and_left_out_when_the_read_fails() -> None:
    reads: list[str] = []
    failing = False

    async def read() -> Iterable[Metric]:
        if failing:
            raise RuntimeError("database down")
        await asyncio.sleep(0)  # on the loop, like a query
        reads.append("read")
        return [GaugeMetricFamily("wallet_probe_gauge", "a probe", 7)]

    metrics.register_loop_gauges({"wallet_probe_gauge": "a probe"}, read, timeout_s=1)
    metrics.register_loop_gauges({"wallet_probe_gauge": "a probe"}, read, timeout_s=1)  # served again: replaced
    port = free_port()
    metrics.serve(port, "127.0.0.1")

    async def scrape() -> dict[str, float]:
        response = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{port}/metrics", timeout=5)
        families = text_string_to_metric_families(response.text)
        return {s.name: s.value for f in families for s in f.samples if s.name.startswith("wallet_probe")}

    assert await scrape() == {"wallet_probe_gauge": 7}
    assert reads == ["read"]
    failing = True
    assert await scrape() == {}
