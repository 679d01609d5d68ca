"""One log format for every service process: a JSON object per line, with the service, the replica, the request id
and the trace and span ids of the request being served, so that a request's lines, its trace and its metrics meet.

    {"timestamp": "2026-11-27T21:30:00.123Z", "level": "INFO", "service": "bank", "replica": "bank-1",
     "logger": "bank.grpc", "message": "…", "request_id": "…", "trace_id": "…", "span_id": "…", …event fields}

Event fields are the `extra={…}` of a logging call. Nothing here knows what is secret: callers never log card
numbers, CVCs, passwords or tokens (tests/e2e/test_no_card_numbers.py scans every log for them)."""

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

# The request being served: set by the gateway for each HTTP request (or taken from its X-Request-ID), and by each
# gRPC service from the x-request-id metadata the gateway sends along.
request_id: ContextVar[str] = ContextVar("request_id", default="-")
REQUEST_ID_METADATA = "x-request-id"
# Attributes every LogRecord has: the rest of a record's attributes are the event fields of one call.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, replica: str) -> None:
        super().__init__()
        self._fixed = {"service": service, "replica": replica}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            **self._fixed,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = format(span.trace_id, "032x")
            line["span_id"] = format(span.span_id, "016x")
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(level: str, service: str) -> None:
    """Every record of the process, the libraries' (uvicorn's, grpc's, SQLAlchemy's…) included, as JSON lines on
    stderr (which the stack's supervisor writes to logs/<replica>.log). The replica's name comes from WALLET_REPLICA
    (the stack sets it), else the host and pid."""
    replica = os.environ.get("WALLET_REPLICA") or f"{os.uname().nodename}:{os.getpid()}"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service, replica))
    root = logging.getLogger()
    # Once per process; a second call (tests make several apps in one process) replaces the first's handler only.
    root.handlers[:] = [each for each in root.handlers if not isinstance(each.formatter, JsonFormatter)] + [handler]
    root.setLevel(level)
    # uvicorn installs handlers of its own before the gateway's factory runs: its records go through the root's too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
