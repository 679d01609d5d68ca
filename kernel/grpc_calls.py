"""Every unary call a gRPC service answers, observed by one wrapper around its handler: counted and timed
(kernel.metrics), logged (the access log: method, status code, duration) and served in the context of its request
id (the x-request-id metadata the gateway sends), so that the service's log lines name the request. The wrapper is
made once per method: a call then costs a dict lookup, two clock reads, one observe, one increment and a log line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, cast

import grpc

from kernel import logs, metrics
from kernel.grpc_status import Context

log = logging.getLogger("grpc.access")
OK = grpc.StatusCode.OK
UNKNOWN = grpc.StatusCode.UNKNOWN
CANCELLED = grpc.StatusCode.CANCELLED
# Load balancers' and the gateway's readiness checks, every few seconds: logged at DEBUG only.
QUIET_SERVICES = frozenset({"grpc.health.v1.Health"})

Behavior = Callable[[Any, Context], Awaitable[Any]]
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"  # generic in grpc's stubs only


class ServerCalls(grpc.aio.ServerInterceptor):
    """The status of a call is the code its handler set (abort, set_code), else OK when it returned and UNKNOWN when
    it raised (CANCELLED when the call was cancelled). Streams pass through unobserved (the services have none)."""

    def __init__(self) -> None:
        self._observed: dict[str, tuple[Handler, Handler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(details)
        method = details.method
        known = self._observed.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        if handler is None or handler.unary_unary is None:  # an unknown method (no label for it), or a stream
            return handler
        observed = grpc.unary_unary_rpc_method_handler(
            _observed(cast(Behavior, handler.unary_unary), method),
            handler.request_deserializer,
            handler.response_serializer,
        )
        self._observed[method] = (handler, observed)
        return observed


def _observed(behavior: Behavior, method: str) -> Behavior:
    service, name = method.lstrip("/").rsplit("/", 1)
    seconds = metrics.GRPC_SERVER_SECONDS.labels(service, name)
    handled: dict[grpc.StatusCode, Any] = {}
    level = logging.DEBUG if service in QUIET_SERVICES else logging.INFO

    async def observed(request: Any, context: Context) -> Any:
        started = time.perf_counter()
        token = logs.request_id.set(_request_id(context))
        failed = None
        try:
            return await behavior(request, context)
        except asyncio.CancelledError:
            failed = CANCELLED
            raise
        except BaseException:  # an abort sets its code first (context.code() below); anything else is UNKNOWN
            failed = UNKNOWN
            raise
        finally:
            elapsed = time.perf_counter() - started
            seconds.observe(elapsed)
            code = _code(context) or failed or OK
            counter = handled.get(code)
            if counter is None:
                counter = handled[code] = metrics.GRPC_SERVER_HANDLED.labels(service, name, code.name)
            counter.inc()
            if log.isEnabledFor(level):
                duration_ms = round(elapsed * 1000, 1)
                fields = {"grpc_method": method, "grpc_code": code.name, "duration_ms": duration_ms}
                log.log(level, "%s %s %.1fms", method, code.name, duration_ms, extra=fields)
            logs.request_id.reset(token)

    return observed


def _code(context: Context) -> grpc.StatusCode | None:
    """The code the handler set, None when it set none (grpc's stubs leave out the None)."""
    return context.code()


def _request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == logs.REQUEST_ID_METADATA:
            return str(value)
    return "-"
