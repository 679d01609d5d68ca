"""/metrics of every service, scraped for real from the session's processes: each parses, each service has its
metrics, and the counters move by exactly one per operation (money moved by exactly the amount), the gateway's
under the route template."""

import math
import uuid
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.topup_helpers import topup, until_settled
from tests.polling import eventually

pytestmark = pytest.mark.native  # each replica process's metrics port

TRANSFERS_ROUTE = "/accounts/{accountId}/transfers"
BANK = "wallet.bank.v1.BankService"
# Each service's own families (as the parser names them: counters without _total), present on every scrape.
FAMILIES = {
    "bank": {
        "wallet_grpc_server_handled",
        "wallet_grpc_server_handling_seconds",
        "wallet_transfers",
        "wallet_deposits",
        "wallet_money_moved",
        "wallet_idempotent_replays",
        "wallet_outbox_rows_written",
        "wallet_replication_slot_retained_wal_bytes",  # present only when its read of PostgreSQL succeeds
        "wallet_holds_open",  # the same
        "wallet_holds_open_amount",
    },
    "card_adapter": {
        "wallet_grpc_server_handled",
        "wallet_topups",
        "wallet_deposit_retries",
        "wallet_topup_refunds",
        "wallet_idempotent_replays",
        "wallet_topups_pending",  # present only when its read of the database succeeds
        "wallet_topup_oldest_pending_age_seconds",
    },
    "analytics": {
        "wallet_grpc_server_handled",
        "wallet_clickhouse_consumer_lag_messages",
        "wallet_clickhouse_ingestion_stalled",
        "wallet_pipeline_lag_seconds",  # present only when ClickHouse answers (or an event is known to wait)
    },
    "gateway": {
        "wallet_http_requests",
        "wallet_http_request_duration_seconds",
        "wallet_circuit_breaker_open",
        "wallet_grpc_client_handled",
    },
}


class Scrape:
    """Every sample of every replica of a service, summed over the replicas."""

    def __init__(self, cfg: StackConfig, service: str) -> None:
        self.families: set[str] = set()
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for port in cfg.metrics_ports(service):
            reply = httpx.get(f"http://{cfg.host}:{port}/metrics", timeout=10)
            assert reply.status_code == 200, reply.text
            for family in text_string_to_metric_families(reply.text):
                self.families.add(family.name)
                for sample in family.samples:
                    key = sample.name, frozenset(sample.labels.items())
                    self.samples[key] = self.samples.get(key, 0.0) + sample.value

    def __call__(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str) -> bool:
        return any(sample_name == name for sample_name, _ in self.samples)


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after(name, **labels) - before(name, **labels)


def test_every_service_serves_metrics_that_parse(
    bank_service: StackConfig, gateway_url: str, card_adapter_service: StackConfig, analytics_service: StackConfig
) -> None:
    httpx.get(f"{gateway_url}/health/ready", timeout=10)  # a request, so that the gateway has a series
    for service, families in FAMILIES.items():
        scrape = Scrape(bank_service, service)
        assert families <= scrape.families, f"{service} lacks {families - scrape.families}"
    gateway = Scrape(bank_service, "gateway")
    assert {labels for name, labels in gateway.samples if name == "wallet_circuit_breaker_open"} == {
        frozenset({("backend", backend)}) for backend in ("bank", "card_adapter", "analytics")
    }
    assert Scrape(bank_service, "card_adapter")("wallet_topups_pending") >= 0


async def test_transfers_move_the_counters_by_exactly_one(
    api: httpx.AsyncClient, engine: AsyncEngine, bank_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    before = {service: Scrape(bank_service, service) for service in ("bank", "gateway")}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"to_account_id": str(b), "amount": "12.34", "currency": "RUB"}
    assert (await api.post(f"/accounts/{a}/transfers", json=body, headers=key)).status_code == 201
    replay = await api.post(f"/accounts/{a}/transfers", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    too_much = {**body, "amount": "1000.00"}
    assert (await api.post(f"/accounts/{a}/transfers", json=too_much)).status_code == 400
    to_itself = {**body, "to_account_id": str(a)}
    assert (await api.post(f"/accounts/{a}/transfers", json=to_itself)).status_code == 400
    bank, gateway = Scrape(bank_service, "bank"), Scrape(bank_service, "gateway")

    def bank_moved(name: str, **labels: str) -> float:
        return moved(before["bank"], bank, name, **labels)

    assert bank_moved("wallet_transfers_total", outcome="completed") == 1
    assert bank_moved("wallet_transfers_total", outcome="insufficient_funds") == 1
    assert bank_moved("wallet_transfers_total", outcome="same_account") == 1
    assert bank_moved("wallet_idempotent_replays_total", operation="transfer") == 1
    assert bank_moved("wallet_outbox_rows_written_total", type="TransferCompleted") == 1
    money = bank_moved("wallet_money_moved_total", currency="RUB", operation="transfer")
    assert math.isclose(money, 12.34, abs_tol=1e-6)
    calls = {"grpc_service": BANK, "grpc_method": "TransferMoney"}
    assert bank_moved("wallet_grpc_server_handled_total", **calls, grpc_code="OK") == 2
    assert bank_moved("wallet_grpc_server_handled_total", **calls, grpc_code="FAILED_PRECONDITION") == 1
    assert bank_moved("wallet_grpc_server_handled_total", **calls, grpc_code="INVALID_ARGUMENT") == 1
    assert bank_moved("wallet_grpc_server_handling_seconds_count", **calls) == 4
    for code, count in (("OK", 2), ("FAILED_PRECONDITION", 1), ("INVALID_ARGUMENT", 1)):
        labels = {**calls, "grpc_code": code}
        assert moved(before["gateway"], gateway, "wallet_grpc_client_handled_total", **labels) == count
    route = {"method": "POST", "route": TRANSFERS_ROUTE}
    assert moved(before["gateway"], gateway, "wallet_http_requests_total", **route, status="201") == 2
    assert moved(before["gateway"], gateway, "wallet_http_requests_total", **route, status="400") == 2
    assert moved(before["gateway"], gateway, "wallet_http_request_duration_seconds_count", **route) == 4
    assert not [labels for name, labels in gateway.samples if str(a) in str(labels)], "a raw path became a label"


@pytest.mark.usefixtures("card_adapter_ready")
async def test_a_topup_moves_the_counters_by_exactly_one(
    api: httpx.AsyncClient, engine: AsyncEngine, bank_service: StackConfig
) -> None:
    (account,) = await create_accounts(engine, "0.00")
    before = {service: Scrape(bank_service, service) for service in ("bank", "card_adapter")}
    key = str(uuid.uuid4())
    reply = await topup(api, account, amount="25.50", key=key)
    assert reply.status_code in (201, 202), reply.text
    if reply.json()["status"] == "pending":
        await until_settled(api, reply.json()["status_url"])
    assert (await topup(api, account, amount="25.50", key=key)).status_code in (201, 202)

    def settled() -> bool:
        return (
            moved(
                before["card_adapter"], Scrape(bank_service, "card_adapter"), "wallet_topups_total", state="deposited"
            )
            >= 1
        )

    await eventually(settled, 10, "the top-up counted as deposited")
    bank, cards = Scrape(bank_service, "bank"), Scrape(bank_service, "card_adapter")
    assert moved(before["card_adapter"], cards, "wallet_topups_total", state="deposited") == 1
    assert moved(before["card_adapter"], cards, "wallet_idempotent_replays_total", operation="topup") == 1
    assert moved(before["bank"], bank, "wallet_deposits_total", outcome="completed") == 1
    assert moved(before["bank"], bank, "wallet_outbox_rows_written_total", type="TopUpCompleted") == 1
    money = moved(before["bank"], bank, "wallet_money_moved_total", currency="RUB", operation="deposit")
    assert Decimal(str(round(money, 2))) == Decimal("25.50")
    assert cards("wallet_topups_pending") >= 0 and cards("wallet_topup_oldest_pending_age_seconds") >= 0


async def test_pipeline_metrics_follow_a_transfer_into_clickhouse(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig, analytics_service: StackConfig
) -> None:
    a, b = await create_accounts(engine, "10.00", "0.00")
    body = {"to_account_id": str(b), "amount": "1.00", "currency": "RUB"}
    assert (await api.post(f"/accounts/{a}/transfers", json=body)).status_code == 201

    def lag_seen() -> bool:
        return Scrape(pipeline, "analytics")("wallet_pipeline_lag_seconds") > 0  # 0 until an event was ingested

    await eventually(lag_seen, 120, "the transfer's ingestion in the pipeline lag", every=0.5)
    analytics, bank = Scrape(pipeline, "analytics"), Scrape(pipeline, "bank")
    # The second of ingestion is rounded up: a second at most above the truth, on an idle machine well under 10.
    assert 0 < analytics("wallet_pipeline_lag_seconds") < 30
    assert analytics("wallet_clickhouse_ingestion_stalled") == 0
    assert analytics("wallet_clickhouse_consumer_lag_messages") >= 0
    assert bank("wallet_replication_slot_retained_wal_bytes", slot="wallet_outbox") >= 0
    assert bank.has("wallet_replication_slot_retained_wal_bytes"), "the Bank's role could not read its slot"
    print(
        f"pipeline lag {analytics('wallet_pipeline_lag_seconds'):.2f} s, consumer lag"
        f" {analytics('wallet_clickhouse_consumer_lag_messages'):.0f} messages, outbox slot retains"
        f" {bank('wallet_replication_slot_retained_wal_bytes', slot='wallet_outbox'):.0f} WAL bytes"
    )
