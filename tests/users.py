"""The users tests act as, and logging them in through the gateway."""

import httpx
from fastapi import FastAPI

from bank.domain.users import Role
from bank.seed import SeedUser

# The user every test acts as unless it says otherwise: it owns the accounts create_accounts() makes.
TESTER = SeedUser("tester", "tester-password-1")
# Another customer, and an auditor: for the ownership tests.
MALLORY = SeedUser("mallory", "mallory-password-1")
INSPECTOR = SeedUser("inspector", "inspector-password-1", Role.AUDITOR)
# An operator: reads every account and may reverse any transfer.
FIXER = SeedUser("fixer", "fixer-password-1", Role.OPERATOR)
TEST_USERS = [TESTER, MALLORY, INSPECTOR, FIXER]


def login(gateway_url: str, username: str, password: str) -> str:
    """An access token from POST /auth/token (the OAuth2 password grant)."""
    reply = httpx.post(f"{gateway_url}/auth/token", data={"username": username, "password": password}, timeout=30)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bearer_of_tester(app: FastAPI) -> dict[str, str]:
    """For an in-process gateway (tests that build the app): a token of its own keys, made out to the tester."""
    token, _ = app.state.tokens.issue(str(TESTER.id), TESTER.username, TESTER.role.value)
    return bearer(token)
