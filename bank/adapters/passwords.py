"""Password hashes: Argon2id (argon2-cffi, RFC 9106 parameters), computed off the event loop."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Each hash takes ~64 MiB and tens of milliseconds; at most this many run at once.
CONCURRENT_HASHES = 4


class Argon2Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._argon2 = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(CONCURRENT_HASHES)
        # Checked when the user is unknown, so that answer takes as long as a wrong password.
        self._decoy = self._argon2.hash("decoy password, never a user's")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._check, password_hash, password)

    def _check(self, password_hash: str | None, password: str) -> bool:
        try:
            self._argon2.verify(password_hash or self._decoy, password)  # constant time inside; raises on no match
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None
