"""One request, one trace, for real: the gateway, the services and their SQL and ClickHouse calls as spans in Jaeger
under the trace id the response names (X-Trace-ID), the same trace id on the request's event in Kafka (carried through
the outbox by Debezium), and on the request's log lines."""

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import StackConfig
from stack.kafka import headers_of
from tests.accounts import create_accounts
from tests.e2e.jaeger_traces import EXPORT_TIMEOUT, trace_id_of, trace_in_jaeger
from tests.e2e.pipeline_helpers import messages_about
from tests.e2e.topup_helpers import topup
from tests.polling import eventually

pytestmark = pytest.mark.usefixtures("card_adapter_ready", "analytics_service")
BANK_TRANSFER: dict[str, object] = {"rpc.method": "TransferMoney"}
DEPOSIT: dict[str, object] = {"rpc.method": "DepositMoney"}
TOP_UP: dict[str, object] = {"rpc.method": "ProcessCardTopUp"}
HISTORY: dict[str, object] = {"rpc.method": "GetOperations"}


async def test_a_transfer_is_one_trace_from_the_gateway_to_postgresql_and_its_kafka_message(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig
) -> None:
    a, b = await create_accounts(engine, "100.00", "0.00")
    body = {"to_account_id": str(b), "amount": "1.00", "currency": "RUB", "description": "traced"}
    reply = await api.post(f"/accounts/{a}/transfers", json=body)
    assert reply.status_code == 201, reply.text
    trace_id = trace_id_of(reply)

    route: tuple[str, dict[str, object]] = ("gateway", {"http.route": "/accounts/{accountId}/transfers"})
    trace = await trace_in_jaeger(pipeline, trace_id, {"gateway", "bank"}, [route, ("bank", BANK_TRANSFER)])
    assert {span["trace_id"] for span in trace.spans} == {trace_id}
    assert trace.spans_of("gateway", **{"http.route": "/accounts/{accountId}/transfers"}), trace.spans
    assert trace.spans_of("bank", **BANK_TRANSFER), trace.spans
    sql = trace.spans_of("bank", **{"db.system": "postgresql"})
    assert any("INSERT INTO outbox" in span.get("db.statement", "") for span in sql), sql

    transfer_id = reply.json()["transfer_id"]
    [message] = (await messages_about(pipeline, "transfer_id", {transfer_id}, EXPORT_TIMEOUT)).values()
    traceparent = headers_of(message)["traceparent"].decode()
    assert traceparent.split("-")[1] == trace_id


async def test_a_top_up_is_one_trace_through_the_card_adapter_and_the_bank(
    api: httpx.AsyncClient, engine: AsyncEngine, stack_cfg: StackConfig
) -> None:
    [account] = await create_accounts(engine, "0.00")
    reply = await topup(api, account, amount="5.00")
    assert reply.status_code == 201, reply.text
    spans = [("card_adapter", TOP_UP), ("bank", DEPOSIT)]
    trace = await trace_in_jaeger(stack_cfg, trace_id_of(reply), {"gateway", "card_adapter", "bank"}, spans)
    assert trace.spans_of("card_adapter", **TOP_UP)
    assert trace.spans_of("bank", **DEPOSIT)
    assert trace.spans_of("bank", **{"db.system": "postgresql"})


@pytest.mark.native
async def test_a_history_read_is_one_trace_through_analytics_and_clickhouse(
    api: httpx.AsyncClient, engine: AsyncEngine, pipeline: StackConfig
) -> None:
    [account] = await create_accounts(engine, "0.00")
    reply = await api.get(f"/accounts/{account}/operations")
    assert reply.status_code == 200, reply.text
    trace = await trace_in_jaeger(pipeline, trace_id_of(reply), {"gateway", "analytics"}, [("analytics", HISTORY)])
    assert trace.spans_of("analytics", **HISTORY)
    clickhouse_calls = [
        span for span in trace.spans_of("analytics") if str(pipeline.clickhouse_http_port) in json.dumps(span)
    ]
    assert clickhouse_calls, trace.spans_of("analytics")


@pytest.mark.native
async def test_the_request_id_and_the_trace_id_lead_to_the_log_lines(
    api: httpx.AsyncClient, stack_cfg: StackConfig
) -> None:
    request_id = f"bug-report-{uuid.uuid4()}"
    reply = await api.get(f"/accounts/{uuid.uuid4()}/balance", headers={"X-Request-ID": request_id})
    assert reply.status_code == 404 and reply.headers["x-request-id"] == request_id
    trace_id = trace_id_of(reply)

    def logged() -> list[dict[str, Any]]:
        lines = our_lines((stack_cfg.logs_dir / "gateway-1.log").read_text())
        return [line for line in map(json.loads, lines) if line.get("request_id") == request_id]

    await eventually(lambda: bool(logged()), 10, "the gateway's access log line")
    [access] = [line for line in logged() if line["logger"] == "gateway.access"]
    assert access["trace_id"] == trace_id and access["http_status"] == 404
    assert {"timestamp", "level", "service", "replica", "message", "span_id"} <= access.keys()
    assert (access["service"], access["replica"]) == ("gateway", "gateway-1")


LOG_FIELDS = {"timestamp", "level", "service", "replica", "logger", "message", "request_id"}
# gRPC's C core writes its errors to stderr itself, as `E1127 21:59:02.559069 2978 file.cc:123] text`, beside
# Python's logging (its other levels are off: GRPC_VERBOSITY=ERROR, stack/services.py).
GRPC_CORE_ERROR = re.compile(r"E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+:\d+\] .*")


def our_lines(log: str) -> list[str]:
    """The lines Python's logging wrote (every other line must be one of gRPC's C core's errors)."""
    lines = log.splitlines()
    assert all(line.startswith("{") or GRPC_CORE_ERROR.fullmatch(line) for line in lines), [
        line for line in lines if not line.startswith("{")
    ]
    return [line for line in lines if line.startswith("{")]


@pytest.mark.native
async def test_every_service_logs_json_lines(api: httpx.AsyncClient, stack_cfg: StackConfig) -> None:
    """Every line the services wrote this session is one JSON object with the fields a log search needs."""
    assert (await api.get("/me")).status_code == 200
    for service in ("gateway", "bank", "card_adapter", "analytics"):
        lines = our_lines((stack_cfg.logs_dir / f"{service}-1.log").read_text())
        assert lines, service
        for line in lines:
            record = json.loads(line)
            assert record.keys() >= LOG_FIELDS, line
            assert record["service"] == service, line
