"""RFC 9457 problem+json: the one shape of every error the gateway returns."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("gateway")


class Problem(BaseModel):
    """An RFC 9457 problem detail with a machine-readable `code`."""

    type: str = Field(description="URI naming the problem type, e.g. urn:wallet:problem:insufficient_funds")
    title: str
    status: int
    detail: str | None = None
    code: str = Field(description="Machine-readable error code, e.g. insufficient_funds")
    instance: str | None = None
    errors: list[dict[str, object]] | None = Field(default=None, description="Per-field validation errors")


class ProblemError(Exception):
    """Raised anywhere in the gateway to answer with a problem; the handler renders it."""

    def __init__(
        self, status: int, code: str, title: str, detail: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail, self.headers = status, code, title, detail, headers


def problem_response(
    request: Request, problem: ProblemError, errors: list[dict[str, object]] | None = None
) -> JSONResponse:
    body = Problem(
        type=f"urn:wallet:problem:{problem.code}",
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        code=problem.code,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=problem.status, media_type=MEDIA_TYPE, headers=problem.headers
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The OpenAPI `responses` entry for the problem statuses a route can return."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


_DESCRIPTIONS = {
    400: "The request was rejected (invalid input or a money rule)",
    401: "No valid access token (see WWW-Authenticate)",
    403: "The user's role may not do this (an auditor moves no money)",
    404: "The account does not exist",
    409: "A request with the same Idempotency-Key is still in progress",
    413: "The request body is larger than the gateway accepts",
    422: "The Idempotency-Key was already used with a different request",
    429: "Too many requests (see Retry-After)",
    503: "A dependency is unavailable",
    504: "A dependency did not answer in time",
}


def install(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        # A bad amount is the commonest mistake; give it its own code, as the Bank does.
        only_amount = all(str(e["location"]).endswith(".amount") for e in errors)
        code, title = ("invalid_amount", "Invalid amount") if only_amount else ("invalid_request", "Invalid request")
        return problem_response(request, ProblemError(400, code, title, detail), errors)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        # Starlette's headers are part of the answer, e.g. the Allow of a 405 (RFC 9110).
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(request, ProblemError(exc.status_code, code, str(exc.detail), headers=headers))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, ProblemError(500, "internal_error", "Internal server error"))

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
