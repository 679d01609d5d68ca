"""The time every service stamps its records with: timezone-aware, in UTC."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
