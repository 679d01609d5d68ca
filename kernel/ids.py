"""Ids a caller sends as text."""

import uuid

from kernel.errors import InvalidRequest


def parse_uuid(text: str, what: str) -> uuid.UUID:
    """`text` as a UUID; else InvalidRequest naming the field (`what`)."""
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        raise InvalidRequest(f"{what} must be a UUID, got {text!r}") from None
