"""Request bodies over a size limit answer 413 payload_too_large before the app reads or parses them."""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problem_details import ProblemError, problem_response


class BodyLimitMiddleware:
    """Pure ASGI middleware: refuses a declared Content-Length over the limit without reading a byte, and
    reads a body without one (chunked) only until it passes the limit. What it read is replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        read: list[Message] = []
        size = 0
        while True:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break  # the client went away; the app sees that too
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = ProblemError(
            413,
            "payload_too_large",
            "Request body too large",
            f"The request body must be at most {self.max_bytes} bytes",
            # The rest of the body stays unread, so this connection cannot carry another request.
            {"Connection": "close"},
        )
        await problem_response(Request(scope), problem)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
