"""The gateway's FastAPI application: routes, problem details, CORS, request ids, backends."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gateway import openapi_schema, problem_details
from gateway.backends import Backends
from gateway.config import Settings, get_settings
from gateway.request_context import RequestContextMiddleware
from gateway.routes import balance, health, operations, topups, transfers
from kernel import logs

API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backends = Backends.open(settings)
        yield
        await app.state.backends.close()

    app = FastAPI(
        title="Wallet API",
        version=API_VERSION,
        description="Transfers between accounts, balances, operation history and card top-ups.",
        lifespan=lifespan,
    )
    problem_details.install(app)
    openapi_schema.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Idempotent-Replayed"],
    )
    app.add_middleware(RequestContextMiddleware)
    for router in (transfers.router, balance.router, operations.router, topups.router, health.router):
        app.include_router(router)
    return app


app = create_app()
