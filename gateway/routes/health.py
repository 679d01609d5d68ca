"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway import schemas
from gateway.deps import BackendsDep, SettingsDep
from gateway.health_checks import grpc_health

router = APIRouter(tags=["health"])
# Without these the gateway is useless; without the others (Card Adapter, Analytics) only their routes fail
# (503), and taking the gateway out of a load balancer for that would stop transfers too.
REQUIRED = ("bank",)
INGESTION = "wallet.analytics.v1.Ingestion"


@router.get("/health/live", response_model=schemas.Health, summary="The gateway process is alive", operation_id="live")
async def live() -> schemas.Health:
    return schemas.Health(status="ok")


@router.get(
    "/health/ready",
    response_model=schemas.Health,
    responses={503: {"model": schemas.Health, "description": "A required backend is not serving"}},
    summary="The gateway and the Bank can serve requests (status degraded: top-ups or history are not)",
    operation_id="ready",
)
async def ready(backends: BackendsDep, settings: SettingsDep) -> JSONResponse:
    checks = {
        name: await grpc_health(channel, settings.readiness_timeout_s) for name, channel in backends.channels.items()
    }
    # Whether ClickHouse still ingests the topic (it stops for good at a malformed message on 18.16).
    if checks.get("analytics") == "serving":
        checks["ingestion"] = await grpc_health(backends.channels["analytics"], settings.readiness_timeout_s, INGESTION)
    required = all(checks[name] == "serving" for name in REQUIRED)
    optional = all(state == "serving" for state in checks.values())
    status = "ok" if optional else "degraded" if required else "unavailable"
    body = schemas.Health(status=status, checks=checks, breakers=backends.breakers.states())
    return JSONResponse(body.model_dump(), status_code=200 if required else 503)
