"""Idempotency keys: a request repeated under its key is answered with what the first one made; a different request
under a used key is refused with the service's own error. How the earlier result is found is each path's own (the
Bank's transfer statement finds it in the same SQL; deposits and top-ups lock the key first, `find_earlier`)."""

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

from kernel.transaction import Transaction


class Fingerprinted(Protocol):
    """What a request made, carrying the fingerprint of that request."""

    @property
    def request_fingerprint(self) -> str: ...


Made = TypeVar("Made", bound=Fingerprinted)
MAX_KEY = 255  # the length of the key columns
COMPACT = (",", ":")
SPACED = (", ", ": ")  # json.dumps' own default


def fingerprint(fields: Mapping[str, object], separators: tuple[str, str] = COMPACT) -> str:
    """A stable digest of a request, to tell a retry from a different request under one key. `separators` are part of
    the digest: a service whose stored digests were made with other ones keeps them, or its replays would fail."""
    canonical = json.dumps(fields, sort_keys=True, separators=separators)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(earlier: Made | None, fingerprint: str, reused: Exception) -> Made | None:
    """What an earlier request under the same key made, to answer with again; None if there was none. Raises
    `reused` (the service's error, with its message) when the earlier request was a different one."""
    if earlier is not None and earlier.request_fingerprint != fingerprint:
        raise reused
    return earlier


async def find_earlier(
    transaction: Transaction,
    scope: str,
    key: str,
    find: Callable[[str], Awaitable[Made | None]],
    fingerprint: str,
    reused: Exception,
) -> Made | None:
    """Lock `key` in `scope` for the rest of the transaction (a concurrent request with it waits, then sees what this
    one made), `find` what an earlier request made under it, and `replay` that."""
    await transaction.lock_idempotency_key(scope, key)
    return replay(await find(key), fingerprint, reused)
