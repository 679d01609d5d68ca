"""Every query of the Grafana dashboard (the same as docs/observability.md lists for Prometheus's UI) returns data from
the session's Prometheus, scraping the whole stack after some traffic: a transfer, a refused one, a top-up, a balance
and a history read. A panel whose query comes back empty would be a blank panel for the operator, or a metric renamed
on one side only."""

import asyncio
import json
import math
import time
import uuid
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from stack import prometheus as prometheus_server
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.topup_helpers import topup, until_settled
from tests.monitoring_files import DASHBOARD, RULES, queries
from tests.polling import eventually

# Panels whose queries may rightly return nothing on a healthy stack after ordinary traffic, and why.
EMPTY_WHEN_HEALTHY = {
    "Alerts firing": "lists the alerts firing now: none on a healthy stack",
}
# Scrapes every 5 s (stack/prometheus.py); a rate() needs two samples of a series, and a series made by the traffic
# (a refusal's outcome, a route's first request) exists from the first scrape after it.
DATA_WITHIN_S = 60.0


@pytest.fixture(scope="module")
def whole_stack(
    pipeline: StackConfig,
    gateway_url: str,
    card_adapter_service: StackConfig,
    analytics_service: StackConfig,
    trace_backend: StackConfig,
    prometheus: StackConfig,
) -> StackConfig:
    return prometheus


def has_data(result: list[dict[str, Any]]) -> bool:
    """At least one sample that is a number (a histogram quantile of routes idle over its window is NaN)."""
    return any(math.isfinite(float(sample["value"][1])) for sample in result)


async def traffic(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """A transfer, a refused one, a top-up, a balance and a history read, with the transfer in the history."""
    a, b = await create_accounts(engine, "100.00", "0.00")
    body = {"to_account_id": str(b), "amount": "10.00", "currency": "RUB"}
    sent = await api.post(f"/accounts/{a}/transfers", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text
    # refused: wallet_transfers_total{outcome="insufficient_funds"}, a FAILED_PRECONDITION answer, a 400
    refused = await api.post(f"/accounts/{a}/transfers", json={**body, "amount": "1000.00"})
    assert refused.status_code == 400, refused.text
    # a top-up: the Card Adapter's calls and states, the Bank's deposit, a TopUpCompleted outbox row
    reply = await topup(api, a, amount="5.00", key=str(uuid.uuid4()))
    assert reply.status_code in (201, 202), reply.text
    if reply.json()["status"] == "pending":
        await until_settled(api, reply.json()["status_url"])
    assert (await api.get(f"/accounts/{a}/balance")).status_code == 200

    async def in_history() -> bool:  # through Debezium, Kafka and ClickHouse: the pipeline's metrics move
        page = await api.get(f"/accounts/{b}/operations")
        return page.status_code == 200 and bool(page.json()["items"])

    await eventually(in_history, 60, "the transfer in the history", every=0.5)


@pytest.mark.usefixtures("card_adapter_ready")
async def test_every_dashboard_query_returns_data(
    whole_stack: StackConfig, api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    cfg = whole_stack
    # Twice, with a scrape between: a labelled series is born at its first count (a route's first 201, a method's
    # first call), and a rate needs it to grow once Prometheus has seen it. Once, the ratios and quantiles of the
    # panels are 0/0 (NaN), as they would be on a stack that served one request of each kind and nothing since.
    await traffic(api, engine)
    seen = 'wallet_http_requests_total{route="/accounts/{accountId}/transfers", status="400"}'
    await eventually(lambda: bool(prometheus_server.query(cfg, seen)), DATA_WITHIN_S, "a scrape of the traffic")
    await traffic(api, engine)

    panels = [(title, expr) for _, title, exprs in queries(json.loads(DASHBOARD.read_text())) for expr in exprs]
    assert set(EMPTY_WHEN_HEALTHY) <= {title for title, _ in panels}, "an exclusion names no panel"
    checked = [(title, expr) for title, expr in panels if title not in EMPTY_WHEN_HEALTHY]
    deadline = time.monotonic() + DATA_WITHIN_S
    while True:
        empty = [(title, expr) for title, expr in checked if not has_data(prometheus_server.query(cfg, expr))]
        if not empty or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    assert empty == [], "dashboard queries without data:\n" + "\n".join(f"{t}: {e}" for t, e in empty)


def test_every_alert_rule_evaluates_on_the_live_stack(whole_stack: StackConfig) -> None:
    """Prometheus loaded monitoring/alerts.yml and evaluates every rule against the real series without an error (a
    many-to-many match or a label that differs from the promtool tests' shows here, not in promtool)."""
    expected = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}

    def evaluated() -> list[dict[str, Any]]:
        reply = httpx.get(f"{prometheus_server.url(whole_stack)}/api/v1/rules", timeout=10)
        reply.raise_for_status()
        return [rule for group in reply.json()["data"]["groups"] for rule in group["rules"]]

    deadline = time.monotonic() + DATA_WITHIN_S
    while (rules := evaluated()) and any(rule["health"] == "unknown" for rule in rules):
        assert time.monotonic() < deadline, "rules not evaluated yet"
        time.sleep(1)
    assert {rule["name"] for rule in rules} == expected
    assert [(rule["name"], rule.get("lastError")) for rule in rules if rule["health"] != "ok"] == []
