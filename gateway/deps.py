"""FastAPI dependencies as Annotated aliases, so routes name what they need. Each is `async def` even when it
awaits nothing: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request for a lookup."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Path, Request

from gateway.analytics_client import AnalyticsClient
from gateway.backends import Backends
from gateway.bank_client import BankClient
from gateway.card_adapter_client import CardAdapterClient
from gateway.config import Settings


async def _backends(request: Request) -> Backends:
    return request.app.state.backends


async def _settings(request: Request) -> Settings:
    """The settings the app was created with (not a fresh read of the environment)."""
    return request.app.state.settings


async def _bank(backends: Annotated[Backends, Depends(_backends)]) -> BankClient:
    return backends.bank


async def _card_adapter(backends: Annotated[Backends, Depends(_backends)]) -> CardAdapterClient:
    return backends.card_adapter


async def _analytics(backends: Annotated[Backends, Depends(_backends)]) -> AnalyticsClient:
    return backends.analytics


BackendsDep = Annotated[Backends, Depends(_backends)]
AnalyticsDep = Annotated[AnalyticsClient, Depends(_analytics)]
BankDep = Annotated[BankClient, Depends(_bank)]
CardAdapterDep = Annotated[CardAdapterClient, Depends(_card_adapter)]
SettingsDep = Annotated[Settings, Depends(_settings)]
AccountId = Annotated[UUID, Path(alias="accountId", description="Account UUID")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Client-chosen key (printable ASCII, at most 255 characters): a retry with the same key "
        "and body returns the original result without a second effect",
    ),
]
