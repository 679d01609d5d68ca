"""Users in the Bank: registration rules, authentication, accounts of a user, over the in-memory unit of work."""

import uuid
from decimal import Decimal

import pytest

from bank.adapters.passwords import Argon2Passwords
from bank.domain import errors
from bank.domain.users import Caller, Registration, Role
from bank.service_layer import user_service
from tests.unit.fake_unit_of_work import FakeStore, FakeUnitOfWork


class PlainPasswords:
    """Fast stand-in for Argon2 (its real behaviour is tested below), recording every check."""

    def __init__(self) -> None:
        self.checked: list[str | None] = []

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.checked.append(password_hash)
        return password_hash == f"hashed:{password}"


def uow(store: FakeStore):
    return lambda: FakeUnitOfWork(store)


async def register(store: FakeStore, username: str = "carol", password: str = "correct horse battery") -> uuid.UUID:
    result = await user_service.register_user(
        uow(store), PlainPasswords(), Registration.parse(username, password, "RUB")
    )
    return result.user.id


async def test_registration_creates_a_customer_with_an_empty_first_account() -> None:
    store = FakeStore()
    user_id = await register(store)
    user = store.users[user_id]
    assert (user.username, user.role, user.password_hash) == ("carol", Role.CUSTOMER, "hashed:correct horse battery")
    [account] = store.accounts.values()
    assert (account.owner_id, account.balance, account.currency) == (user_id, Decimal("0.00"), "RUB")


async def test_a_username_is_taken_once() -> None:
    store = FakeStore()
    await register(store)
    with pytest.raises(errors.UsernameTaken):
        await register(store)
    assert len(store.users) == 1 and len(store.accounts) == 1


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("ab", "long enough password", errors.InvalidUsername),
        ("Carol", "long enough password", errors.InvalidUsername),
        ("carol!", "long enough password", errors.InvalidUsername),
        ("carol", "short", errors.WeakPassword),
        ("carol", "x" * 129, errors.WeakPassword),
        ("carol", "my name is carol!", errors.WeakPassword),
        ("carol", "abababababab", errors.WeakPassword),
        ("carol", "nul\x00inside password", errors.WeakPassword),
    ],
)
def test_registration_rules(username: str, password: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        Registration.parse(username, password, "RUB")


async def test_authentication_checks_the_password_and_hides_which_part_was_wrong() -> None:
    store, passwords = FakeStore(), PlainPasswords()
    user_id = await register(store)
    user = await user_service.authenticate(uow(store), passwords, "carol", "correct horse battery")
    assert user.id == user_id
    for username, password in (("carol", "wrong password!"), ("nobody", "correct horse battery"), ("nul\x00", "x")):
        with pytest.raises(errors.InvalidCredentials) as raised:
            await user_service.authenticate(uow(store), passwords, username, password)
        assert str(raised.value) == "invalid username or password"
    # An unknown user is still checked (against no hash), so it takes the time of a wrong password.
    assert passwords.checked[-1] is None


async def test_a_user_sees_its_accounts_and_opens_more() -> None:
    store = FakeStore()
    user_id = await register(store)
    caller = Caller(user_id, Role.CUSTOMER)
    await user_service.open_account(uow(store), caller, "USD")
    shown = await user_service.get_user(uow(store), caller)
    assert shown.user.id == user_id and sorted(a.currency for a in shown.accounts) == ["RUB", "USD"]


async def test_an_auditor_opens_no_account_and_an_unknown_user_none_either() -> None:
    store = FakeStore()
    with pytest.raises(errors.Forbidden):
        await user_service.open_account(uow(store), Caller(uuid.uuid4(), Role.AUDITOR), "RUB")
    with pytest.raises(errors.UserNotFound):
        await user_service.open_account(uow(store), Caller(uuid.uuid4(), Role.CUSTOMER), "RUB")
    assert not store.accounts


async def test_a_user_of_an_external_issuer_is_created_on_its_first_account() -> None:
    store, caller = FakeStore(), Caller(uuid.uuid4(), Role.CUSTOMER)
    with pytest.raises(errors.UserNotFound):
        await user_service.get_user(uow(store), caller)
    await user_service.open_account(uow(store), caller, "RUB", provision_username="sub-1@idp.example")
    await user_service.open_account(uow(store), caller, "EUR", provision_username="sub-1@idp.example")
    shown = await user_service.get_user(uow(store), caller)
    assert shown.user.username == "sub-1@idp.example" and shown.user.password_hash is None
    assert len(shown.accounts) == 2


async def test_argon2id_hashes_verify_and_refuse() -> None:
    passwords = Argon2Passwords()
    hashed = await passwords.hash("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct horse battery" not in hashed
    assert await passwords.verify(hashed, "correct horse battery")
    assert not await passwords.verify(hashed, "correct horse batterY")
    assert not await passwords.verify(None, "correct horse battery")
    assert not await passwords.verify("not a hash", "correct horse battery")
