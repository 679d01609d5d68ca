"""Loads what is missing: the demo users and accounts (Alice, Bob, an auditor, an operator) by `make up`, not by
migrations, and the accounts and users of the tests and benchmarks."""

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from argon2 import PasswordHasher
from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bank.adapters import tables
from bank.adapters.opening_balances import open_accounts
from bank.config import get_settings
from bank.domain.users import Role

ALICE = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
BOB = uuid.UUID("987e6543-e21b-34d3-c456-426614174999")
DEMO_ACCOUNTS = [(ALICE, Decimal("1000.00"), "RUB"), (BOB, Decimal("500.00"), "RUB")]
USERS = uuid.UUID("5b0c3e0e-6d0c-4c39-9f4e-8f3b7a1d2c00")  # namespace of the seeded users' ids


@dataclass(frozen=True)
class SeedUser:
    username: str
    password: str
    role: Role = Role.CUSTOMER
    accounts: tuple[uuid.UUID, ...] = ()

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(USERS, self.username)


DEMO_USERS = [
    SeedUser("alice", "alice-password", accounts=(ALICE,)),
    SeedUser("bob", "bob-password", accounts=(BOB,)),
    SeedUser("auditor", "auditor-password", Role.AUDITOR),
    SeedUser("operator", "operator-password", Role.OPERATOR),
]


async def load_accounts(
    database_url: str, accounts: list[tuple[uuid.UUID, Decimal, str]], owner_id: uuid.UUID | None = None
) -> None:
    """Insert the accounts that do not exist yet, with their opening balances; existing ones are left as they are."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await open_accounts(conn, accounts, owner_id)
    await engine.dispose()


async def load_users(database_url: str, users: Iterable[SeedUser]) -> None:
    """Insert the users that do not exist yet and give them their accounts that have no owner."""
    hasher = PasswordHasher()
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        for user in users:
            row = {
                "id": user.id,
                "username": user.username,
                "password_hash": hasher.hash(user.password),
                "role": user.role.value,
                "created_at": func.now(),
            }
            await conn.execute(insert(tables.users).values(row).on_conflict_do_nothing())
            await conn.execute(
                text("UPDATE accounts SET owner_id = :owner WHERE id = ANY(:ids) AND owner_id IS NULL"),
                {"owner": user.id, "ids": list(user.accounts)},
            )
    await engine.dispose()


async def load_demo(database_url: str) -> None:
    await load_accounts(database_url, DEMO_ACCOUNTS)
    await load_users(database_url, DEMO_USERS)


if __name__ == "__main__":
    asyncio.run(load_demo(get_settings().database_url.get_secret_value()))
