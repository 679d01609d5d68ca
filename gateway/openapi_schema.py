"""The OpenAPI document the gateway serves, adjusted to what the gateway really answers."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.problem_details import MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/Problem"


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with problems served as problem+json and validation errors as 400, not 422."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path in schema["paths"].values():
        for operation in path.values():
            responses = operation["responses"]
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
            for response in responses.values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema", {}).get("$ref") == PROBLEM_REF:
                    content[MEDIA_TYPE] = content.pop("application/json")
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
    return schema
