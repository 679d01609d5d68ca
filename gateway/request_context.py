"""Request ids, trace ids, deadlines and access logging: every request gets an X-Request-ID, logged and passed to gRPC,
its response says its trace's id (X-Trace-ID, the id to look up in Jaeger and in the log lines), and it gets a deadline
(kernel.deadlines) its calls to the services share."""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel import deadlines, tracing
from kernel.logs import REQUEST_ID_METADATA as HEADER
from kernel.logs import request_id

TRACE_HEADER = b"x-trace-id"
# Probes and scrapes, every few seconds from the proxy, the stack and Prometheus: logged at DEBUG only.
QUIET_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})
log = logging.getLogger("gateway.access")
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


def grpc_metadata() -> tuple[tuple[str, str], ...]:
    return ((HEADER, request_id.get()),)


class RequestContextMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware) so it adds no per-request task. It runs inside the request's
    server span (the OpenTelemetry middleware is the outermost, gateway.main), whose trace id it sends back."""

    def __init__(self, app: ASGIApp, deadline_s: float | None = None) -> None:
        self.app = app
        self.deadline_s = deadline_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        # Taken only as printable ASCII: gRPC metadata refuses anything else, and log lines stay one line.
        rid = incoming if _REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        ids = [(HEADER.encode(), rid.encode())]
        if trace_id := tracing.trace_id():
            ids.append((TRACE_HEADER, trace_id.encode()))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *ids]
            await send(message)

        try:
            with deadlines.within(self.deadline_s):
                await self.app(scope, receive, send_with_id)
        finally:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            method, path = scope["method"], scope["path"]
            log.log(
                logging.DEBUG if path in QUIET_PATHS else logging.INFO,
                "%s %s %s %.1fms",
                method,
                path,
                status,
                elapsed_ms,
                extra={"http_method": method, "http_path": path, "http_status": status, "duration_ms": elapsed_ms},
            )
            request_id.reset(token)
