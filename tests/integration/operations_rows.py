"""Rows written straight into wallet.operations, shaped as the pipeline's materialized views write them."""

import uuid
from datetime import datetime
from decimal import Decimal

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from stack import clickhouse as clickhouse_server
from stack.config import StackConfig

# clickhouse-connect cannot learn the types from 18.16 for an insert: name them (DESIGN.md).
COLUMNS = {
    "account_id": "UUID",
    "occurred_at_us": "UInt64",
    "event_id": "UUID",
    "event_type": "String",
    "operation_type": "Enum8('transfer' = 1, 'topup' = 2)",
    "operation_id": "String",
    "direction": "Enum8('debit' = -1, 'credit' = 1)",
    "amount": "Decimal(18, 2)",
    "currency": "FixedString(3)",
    "counterparty_id": "String",
    "description": "String",
    "ingested_at": "DateTime",
    "kind": "String",
    "reverses_operation_id": "String",
    "hold_id": "String",
}
Row = list[object]


def connect(cfg: StackConfig) -> Client:
    return clickhouse_connect.get_client(
        host=cfg.host,
        port=cfg.clickhouse_http_port,
        password=clickhouse_server.password(cfg),
        database="wallet",
        compress=False,
        autogenerate_session_id=False,
    )


def transfer(
    account: uuid.UUID, at_us: int, direction: str = "debit", counterparty: uuid.UUID | None = None, **values: object
) -> Row:
    return _row(
        account,
        at_us,
        event_type="TransferCompleted",
        operation_type="transfer",
        direction=direction,
        counterparty_id=str(counterparty or uuid.uuid4()),
        **values,
    )


def topup(account: uuid.UUID, at_us: int, **values: object) -> Row:
    return _row(account, at_us, event_type="TopUpCompleted", operation_type="topup", direction="credit", **values)


def _row(account: uuid.UUID, at_us: int, **values: object) -> Row:
    row = {
        "account_id": account,
        "occurred_at_us": at_us,
        "event_id": uuid.uuid4(),
        "operation_id": str(uuid.uuid4()),
        "amount": Decimal("10.00"),
        "currency": "RUB",
        "counterparty_id": "",
        "description": "",
        "ingested_at": datetime.now(),
        "kind": values["operation_type"],  # a plain transfer or a top-up, unless `values` says reversal or capture
        "reverses_operation_id": "",
        "hold_id": "",
        **values,
    }
    return [row[name] for name in COLUMNS]


def insert(client: Client, rows: list[Row]) -> None:
    """One insert is one part: duplicates inserted separately stay apart until ClickHouse merges them."""
    client.insert("operations", rows, column_names=list(COLUMNS), column_type_names=list(COLUMNS.values()))


def event_id(row: Row) -> uuid.UUID:
    return row[2]  # type: ignore[return-value]
