"""The gateway's HTTP metrics: one count per request under its route template (never the raw path), unmatched paths
and unknown methods folded into one value each, /metrics served out of the schema, the breakers as gauges."""

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from gateway import http_metrics


def requests_counted(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("wallet_http_requests_total", labels) or 0.0


def app_with_metrics() -> FastAPI:
    app = FastAPI()

    @app.get("/probe/{item_id}/balance")
    async def balance(item_id: str) -> dict[str, str]:
        return {"item": item_id}

    http_metrics.install(app)
    return app


async def test_a_request_counts_once_under_its_route_template() -> None:
    app = app_with_metrics()
    route = "/probe/{item_id}/balance"
    before = requests_counted("GET", route, "200"), requests_counted("GET", "unmatched", "404")
    other = requests_counted("other", "unmatched", "404")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        assert (await client.get("/probe/42/balance")).status_code == 200
        assert (await client.get("/probe/43/balance")).status_code == 200
        assert (await client.get("/nowhere/44")).status_code == 404
        assert (await client.request("BREW", "/nowhere")).status_code == 404
        scrape = await client.get("/metrics")
    assert requests_counted("GET", route, "200") == before[0] + 2
    assert requests_counted("GET", "unmatched", "404") == before[1] + 1
    assert requests_counted("other", "unmatched", "404") == other + 1
    samples = [s for f in text_string_to_metric_families(scrape.text) for s in f.samples]
    assert not [s for s in samples if "42" in s.labels.get("route", "") or "BREW" in s.labels.values()]
    durations = [s for s in samples if s.name == "wallet_http_request_duration_seconds_count"]
    assert any(s.labels == {"method": "GET", "route": route} and s.value >= 2 for s in durations)
    assert "/metrics" not in app.openapi()["paths"]


async def test_breakers_are_gauges_of_every_backend() -> None:
    app = app_with_metrics()
    breakers = SimpleNamespace(states=lambda: {"bank": "opened", "analytics": "half-opened", "card_adapter": "closed"})
    channels = {"bank": None, "card_adapter": None, "analytics": None}
    app.state.backends = SimpleNamespace(breakers=breakers, channels=channels)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        scrape = (await client.get("/metrics")).text
    families = {f.name: f for f in text_string_to_metric_families(scrape)}
    gauge = {s.labels["backend"]: s.value for s in families["wallet_circuit_breaker_open"].samples}
    assert gauge == {"bank": 1, "analytics": 1, "card_adapter": 0}
