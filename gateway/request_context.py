"""Request ids, deadlines and access logging: every request gets an X-Request-ID, logged and passed to gRPC, and a
deadline (kernel.deadlines) its calls to the services share."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel import deadlines

HEADER = "x-request-id"
request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("gateway.access")
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


def grpc_metadata() -> tuple[tuple[str, str], ...]:
    return ((HEADER, request_id.get()),)


class RequestContextMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware) so it adds no per-request task."""

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

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), rid.encode())]
            await send(message)

        try:
            with deadlines.within(self.deadline_s):
                await self.app(scope, receive, send_with_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms request_id=%s", scope["method"], scope["path"], status, elapsed_ms, rid)
            request_id.reset(token)
