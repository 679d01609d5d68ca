"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway import schemas
from gateway.deps import BackendsDep, SettingsDep
from gateway.health_checks import grpc_health

router = APIRouter(tags=["health"])


@router.get("/health/live", response_model=schemas.Health, summary="The gateway process is alive", operation_id="live")
async def live() -> schemas.Health:
    return schemas.Health(status="ok")


@router.get(
    "/health/ready",
    response_model=schemas.Health,
    responses={503: {"model": schemas.Health, "description": "A required backend is not serving"}},
    summary="The gateway and the Bank can serve requests",
    operation_id="ready",
)
async def ready(backends: BackendsDep, settings: SettingsDep) -> JSONResponse:
    checks = {"bank": await grpc_health(backends.channels["bank"], settings.readiness_timeout_s)}
    healthy = all(state == "serving" for state in checks.values())
    body = schemas.Health(status="ok" if healthy else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if healthy else 503)
