"""kernel.idempotency: a repeat under a key is answered with what the first request made, a different request is
refused with the caller's own error, and the digests already stored keep matching."""

from dataclasses import dataclass

import pytest

from kernel import idempotency
from kernel.errors import IdempotencyKeyReused

FIELDS = {"account": "a", "amount": "1.00", "currency": "RUB"}


@dataclass(frozen=True)
class Made:
    request_fingerprint: str


class Reused(IdempotencyKeyReused):
    """A service's own error, with its own message."""


def test_no_earlier_result_is_nothing_to_replay() -> None:
    assert idempotency.replay(None, "f", Reused("x")) is None


def test_the_same_request_gets_the_earlier_result() -> None:
    earlier = Made("f")
    assert idempotency.replay(earlier, "f", Reused("x")) is earlier


def test_a_different_request_under_the_key_raises_the_callers_error() -> None:
    with pytest.raises(Reused, match="used for another"):
        idempotency.replay(Made("f"), "g", Reused("used for another"))


async def test_the_key_is_locked_before_the_earlier_result_is_looked_up() -> None:
    steps: list[str] = []

    class Transaction:
        async def lock_idempotency_key(self, scope: str, key: str) -> None:
            steps.append(f"lock {scope}:{key}")

    async def find(key: str) -> Made | None:
        steps.append(f"find {key}")
        return Made("f")

    found = await idempotency.find_earlier(Transaction(), "deposit", "k", find, "f", Reused("x"))  # type: ignore[arg-type]
    assert found == Made("f") and steps == ["lock deposit:k", "find k"]


def test_fingerprints_are_the_digests_already_stored() -> None:
    """The Bank's (compact JSON) and the Card Adapter's (json's default separators) as their rows hold them."""
    assert idempotency.fingerprint(FIELDS) == "be0f5a85b4fa4fc016d653de71a32e10661798c3d6d3c45e5b2e38be357ae31b"
    spaced = idempotency.fingerprint(FIELDS, idempotency.SPACED)
    assert spaced == "2dd1ba88e9f295e0f4db1103d1f884673f60690900b3daaf155f665157d697fa"
