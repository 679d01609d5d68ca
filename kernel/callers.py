"""The end user a gRPC call is made for, carried in gRPC metadata: the gateway writes it, the Bank reads it."""

from collections.abc import Iterable

SUBJECT = "x-wallet-subject"
ROLE = "x-wallet-role"


def to_metadata(subject: str, role: str) -> tuple[tuple[str, str], ...]:
    return ((SUBJECT, subject), (ROLE, role))


def from_metadata(metadata: Iterable[tuple[str, str | bytes]] | None) -> tuple[str, str] | None:
    """(subject, role) when the call names a user, else None; the role defaults to the least one, customer."""
    values = {key: value for key, value in metadata or () if isinstance(value, str)}
    if SUBJECT not in values:
        return None
    return values[SUBJECT], values.get(ROLE, "customer")
