"""The gateway's FastAPI application: routes, problem details, CORS, request ids, backends."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from gateway import access_tokens, http_metrics, openapi_schema, problem_details
from gateway.backends import Backends
from gateway.body_limit import BodyLimitMiddleware
from gateway.config import Settings, get_settings
from gateway.rate_limits import RateLimits
from gateway.request_context import QUIET_PATHS, RequestContextMiddleware
from gateway.routes import (
    account_analytics,
    auth,
    balance,
    health,
    holds,
    operations,
    reversals,
    statement,
    topups,
    transfers,
    users,
)
from kernel import logs, tracing

API_VERSION = "1.0.0"
# Probes and scrapes, every few seconds from the proxy, the stack and Prometheus: no one's request.
UNTRACED = ",".join(QUIET_PATHS)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure(settings.log_level, "gateway")
    tracing.configure("gateway")

    http = httpx.AsyncClient()  # the external issuer's keys

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backends = Backends.open(settings)
        yield
        await app.state.backends.close()
        await http.aclose()

    app = FastAPI(
        title="Wallet API",
        version=API_VERSION,
        description="Transfers between accounts, balances, operation history and card top-ups.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = access_tokens.from_settings(settings, http)
    app.state.verified_tokens = access_tokens.VerifiedTokens(app.state.tokens)
    app.state.rate_limits = RateLimits(
        settings.rate_limit_storage_url.get_secret_value(), settings.rate_limit_timeout_s
    )
    problem_details.install(app)
    openapi_schema.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)  # innermost: a 413 still gets CORS
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=[
            "X-Request-ID",
            "X-Trace-ID",
            "Idempotent-Replayed",
            "Retry-After",
            "WWW-Authenticate",
            "Location",
        ],
    )
    app.add_middleware(RequestContextMiddleware, deadline_s=settings.grpc_timeout_s)
    http_metrics.install(app)  # its middleware outside the others: times all of a request
    routers = (
        auth,
        users,
        transfers,
        reversals,
        holds,
        balance,
        statement,
        operations,
        account_analytics,
        topups,
        health,
    )
    for module in routers:
        app.include_router(module.router)
    # Outermost: a request's server span wraps everything else, its trace id reaches RequestContextMiddleware.
    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED, exclude_spans=["receive", "send"])
    return app
