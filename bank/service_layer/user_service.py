"""Use cases of users: register (with a first account), authenticate, show, open another account."""

from dataclasses import dataclass
from typing import Protocol

from bank.domain import model
from bank.domain.errors import InvalidCredentials, UsernameTaken, UserNotFound
from bank.domain.users import USERNAME, Caller, Registration, Role, User
from bank.service_layer.unit_of_work import UnitOfWorkFactory
from kernel.money import parse_currency


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash it still spends the time of a check, and answers False."""


@dataclass(frozen=True)
class UserAccounts:
    user: User
    accounts: list[model.Account]


async def register_user(uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, request: Registration) -> UserAccounts:
    password_hash = await hasher.hash(request.password)  # slow on purpose: before the transaction, not in it
    user = User(username=request.username, role=Role.CUSTOMER, password_hash=password_hash)
    account = model.open_account(user.id, request.currency)
    async with uow_factory() as uow:
        if not await uow.add_user(user):
            raise UsernameTaken(f"username {request.username!r} is taken")
        await uow.add_account(account)
        await uow.commit()
    return UserAccounts(user, [account])


async def authenticate(uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, username: str, password: str) -> User:
    # A name no one can register (e.g. one holding NUL, which PostgreSQL refuses) is not looked up.
    user = None
    if USERNAME.match(username):
        async with uow_factory() as uow:
            user = await uow.find_user(username)
    # Verified even for an unknown user (against no hash), so the answer's timing does not tell which.
    matches = await hasher.verify(user.password_hash if user else None, password)
    if user is None or not matches:
        raise InvalidCredentials("invalid username or password")
    return user


async def get_user(uow_factory: UnitOfWorkFactory, caller: Caller) -> UserAccounts:
    async with uow_factory() as uow:
        user = await uow.get_user(caller.subject)
        if user is None:
            raise UserNotFound(f"user {caller.subject} has no record yet")
        return UserAccounts(user, await uow.accounts_of(user.id))


async def open_account(
    uow_factory: UnitOfWorkFactory, caller: Caller, currency: str, provision_username: str | None = None
) -> model.Account:
    """`provision_username`: the caller comes from an external identity provider; create its user on first use."""
    caller.require_customer()
    account = model.open_account(caller.subject, parse_currency(currency))
    async with uow_factory() as uow:
        if provision_username:
            await uow.add_user(User(id=caller.subject, username=provision_username, role=caller.role))
        if await uow.get_user(caller.subject) is None:
            raise UserNotFound(f"user {caller.subject} does not exist")
        await uow.add_account(account)
        await uow.commit()
    return account
