"""The gateway's Prometheus metrics: requests by route template and status, their duration, and its circuit breakers,
served on /metrics (out of the OpenAPI schema, no auth: nginx answers 404 for it on the public port)."""

import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.metrics import BUCKETS

REQUESTS = Counter(
    "wallet_http_requests",
    "HTTP requests the gateway answered, by method, route template (unmatched: no route) and status",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "wallet_http_request_duration_seconds",
    "Time from a request's arrival at the gateway to the end of its answer",
    ["method", "route"],
    buckets=BUCKETS,
)
BREAKER_OPEN = "wallet_circuit_breaker_open"
UNMATCHED = "unmatched"
# Anything else a client sends is counted as "other": label values must stay few.
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
OTHER = "other"


class HttpMetricsMiddleware:
    """Pure ASGI (like RequestContextMiddleware): no task per request. The route is the template the router matched
    (`/accounts/{account_id}/balance`), never the raw path: one series per route, not per account. The labelled
    series are looked up once and kept: a request then costs a dict lookup, an increment and an observe."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")  # set on this same scope by the router that matched
            method = scope["method"] if scope["method"] in METHODS else OTHER
            key = (method, route.path if route is not None else UNMATCHED, status)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = (REQUESTS.labels(*key), DURATION.labels(*key[:2]))
            series[0].inc()
            series[1].observe(time.perf_counter() - started)


class _Breakers:
    """The gauge of each backend's breaker, read at scrape time: 1 while it is open or half-open (the backend failed
    and no probe has succeeded since: without calls it stays so), 0 when closed or not yet made (no call yet)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            BREAKER_OPEN, "1 while the gateway's circuit breaker of a backend is open", labels=["backend"]
        )
        backends = getattr(self._app.state, "backends", None)
        if backends is not None:
            states = backends.breakers.states()
            for backend in backends.channels:
                gauge.add_metric([backend], 0 if states.get(backend, "closed") == "closed" else 1)
        return [gauge]


def install(app: FastAPI) -> None:
    """Measure every request of `app` and serve /metrics on it."""
    app.add_middleware(HttpMetricsMiddleware)
    breakers = _Breakers(app)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(REGISTRY) + generate_latest(breakers), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
