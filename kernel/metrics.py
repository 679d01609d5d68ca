"""Prometheus metrics every service shares: the latency buckets, the gRPC client interceptor (the server side counts in
kernel/grpc_calls.py), the metrics HTTP server of a gRPC service, and gauges a service reads on its own event loop at
scrape time."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import grpc
from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("kernel.metrics")

# Seconds. The gateway's p50 is ~30 ms, p99 131 ms when quiet and ~1 s under load; gRPC deadlines are 5 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

GRPC_SERVER_HANDLED = Counter(
    "wallet_grpc_server_handled",
    "gRPC calls this server completed, by method and status code",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_SERVER_SECONDS = Histogram(
    "wallet_grpc_server_handling_seconds",
    "Time this server took over a gRPC call, from its handler's start to its answer",
    ["grpc_service", "grpc_method"],
    buckets=BUCKETS,
)
GRPC_CLIENT_HANDLED = Counter(
    "wallet_grpc_client_handled",
    "gRPC calls this process made that completed, by method and status code",
    ["grpc_service", "grpc_method", "grpc_code"],
)
# Counted by the Bank (transfer, deposit) and the Card Adapter (topup).
IDEMPOTENT_REPLAYS = Counter(
    "wallet_idempotent_replays",
    "Requests answered with what an earlier request with the same idempotency key (or payment id) did",
    ["operation"],
)


class ClientMetrics(grpc.aio.UnaryUnaryClientInterceptor):
    """Counts every unary call a channel makes by the status it ended with (waiting for it, as OpenTelemetry's
    interceptor does; the caller gets the finished call)."""

    def __init__(self) -> None:
        self._handled: dict[tuple[str, grpc.StatusCode], Any] = {}

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[grpc.aio.UnaryUnaryCall[Any, Any]]],
        details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> grpc.aio.UnaryUnaryCall[Any, Any]:
        call = await continuation(details, request)
        code = await call.code()
        raw: str | bytes = details.method  # bytes in grpc.aio, whatever its stubs say
        method = raw.decode() if isinstance(raw, bytes) else raw
        counter = self._handled.get((method, code))
        if counter is None:
            service, name = method.lstrip("/").rsplit("/", 1)
            counter = self._handled[method, code] = GRPC_CLIENT_HANDLED.labels(service, name, code.name)
        counter.inc()
        return call


def serve(port: int | None, host: str) -> None:
    """Serve /metrics on `host:port` from a daemon thread (prometheus_client's server), unless `port` is None.
    A port in use stops the service from starting, as its gRPC port would."""
    if port is None:
        return
    start_http_server(port, addr=host.strip("[]"))
    log.info("metrics on http://%s:%d/metrics", host, port)


class LoopCollector(Collector):
    """Metrics an async function of the service reads at scrape time, on the service's own event loop and its own
    connection pools. A collector cannot await: the scrape runs in the metrics server's thread, which hands the
    read to the loop and waits for it at most `timeout_s`. A read that fails or times out leaves its metrics out
    of that scrape (absent, not a stale or made-up value). Never for a scrape served on the loop itself."""

    def __init__(
        self,
        described: Iterable[Metric],
        read: Callable[[], Awaitable[Iterable[Metric]]],
        loop: asyncio.AbstractEventLoop,
        timeout_s: float = 2.0,
    ) -> None:
        self._described = list(described)
        self._read = read
        self._loop = loop
        self._timeout_s = timeout_s

    def describe(self) -> Iterable[Metric]:
        return self._described  # without it, registering would collect, on the loop, and wait for the loop

    def collect(self) -> Iterable[Metric]:
        future = asyncio.run_coroutine_threadsafe(self._timed_read(), self._loop)
        try:
            return list(future.result(self._timeout_s + 1))
        except Exception as error:  # a scrape without these metrics, not a failed scrape
            future.cancel()
            names = ", ".join(m.name for m in self._described)
            log.warning("cannot read %s for this scrape: %s", names, type(error).__name__)
            return []

    async def _timed_read(self) -> Iterable[Metric]:
        return await asyncio.wait_for(self._read(), self._timeout_s)


_registered: dict[tuple[str, ...], Collector] = {}


def register(collector: Collector) -> None:
    """Register `collector` (it describes its metrics), in place of one with the same metrics registered earlier in
    this process (a service served again in one process, as tests do)."""
    names = tuple(metric.name for metric in collector.describe())  # type: ignore[attr-defined]
    if earlier := _registered.pop(names, None):
        REGISTRY.unregister(earlier)
    REGISTRY.register(collector)
    _registered[names] = collector


def register_loop_gauges(
    gauges: dict[str, str], read: Callable[[], Awaitable[Iterable[Metric]]], timeout_s: float = 2.0
) -> None:
    """Register gauges (name: help) that `read` returns at scrape time, read on the running loop."""
    described = [GaugeMetricFamily(name, documentation) for name, documentation in gauges.items()]
    register(LoopCollector(described, read, asyncio.get_running_loop(), timeout_s))
