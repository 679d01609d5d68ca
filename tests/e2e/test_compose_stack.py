"""The compose stack's own observability (make compose-test): Prometheus finds every container through Docker's DNS
and scrapes it, and Jaeger holds the spans of every service."""

import httpx
import pytest

from stack import prometheus as prometheus_server
from stack.config import StackConfig
from tests.polling import eventually

pytestmark = pytest.mark.compose
JOBS = {"gateway", "bank", "card_adapter", "analytics", "connect", "jaeger", "prometheus"}
SERVICES = {"gateway", "bank", "card_adapter", "analytics"}


async def test_prometheus_scrapes_every_container_of_every_job(prometheus: StackConfig) -> None:
    def every_target_up() -> bool:
        targets = prometheus_server.active_targets(prometheus)
        return {t["labels"]["job"] for t in targets} == JOBS and all(t["health"] == "up" for t in targets)

    # dns_sd refreshes every 15 s and each target is scraped within 15 s: up within a minute of the stack
    await eventually(every_target_up, 60, "every Prometheus target up", every=1)


async def test_jaeger_holds_spans_of_every_service(api: httpx.AsyncClient, trace_backend: StackConfig) -> None:
    assert (await api.get("/health/ready")).status_code == 200  # a request through the gateway to every service

    async def every_service_seen() -> bool:
        async with httpx.AsyncClient(base_url=f"http://{trace_backend.host}:{trace_backend.jaeger_port}") as jaeger:
            reply = await jaeger.get("/api/services")
        return set(reply.json().get("data") or []) >= SERVICES

    await eventually(every_service_seen, 60, "spans of every service in Jaeger", every=1)
