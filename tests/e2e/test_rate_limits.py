"""Rate limits hold across two gateway processes: both count in the same Redis."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from stack import processes, redis, services
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.users import TESTER, bearer, login

pytestmark = pytest.mark.native  # gateways of its own

LIMITS = {"rate_limit_login": "4/minute", "rate_limit_money": "3/minute", "rate_limit_signup": "1000/minute"}


@pytest.fixture(scope="module")
def two_gateways(bank_service: StackConfig, redis: StackConfig) -> Iterator[list[str]]:
    """Two gateways with low limits, counting in a Redis database of their own (not the session gateway's)."""
    counters = bank_service.secret_file("rate_limit_storage_url_db1")
    counters.write_text(redis_url(bank_service, database=1))
    ports = processes.free_ports(2)
    urls = [
        services.start_gateway(bank_service, port, rate_limit_storage_url_file=str(counters), **LIMITS)
        for port in ports
    ]
    yield urls
    for port in ports:
        processes.stop(bank_service, f"gateway-{port}")


def redis_url(cfg: StackConfig, database: int) -> str:
    return redis.url(cfg).rsplit("/", 1)[0] + f"/{database}"


def test_logins_are_limited_per_address_across_gateways(two_gateways: list[str]) -> None:
    form = {"username": TESTER.username, "password": TESTER.password}
    answers = [httpx.post(f"{two_gateways[i % 2]}/auth/token", data=form) for i in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
    refused = answers[4]
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_transfers_are_limited_per_user_across_gateways(
    two_gateways: list[str], gateway_url: str, engine: AsyncEngine
) -> None:
    [sender, recipient] = await create_accounts(engine, "100.00", "0.00")
    headers = bearer(login(gateway_url, TESTER.username, TESTER.password))  # from the session's gateway
    body = {"to_account_id": str(recipient), "amount": "1.00", "currency": "RUB"}
    answers = [
        httpx.post(f"{two_gateways[i % 2]}/accounts/{sender}/transfers", json=body, headers=headers) for i in range(5)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert int(answers[3].headers["Retry-After"]) >= 1
    # The refused ones moved nothing.
    reply = httpx.get(f"{gateway_url}/accounts/{sender}/balance", headers=headers)
    assert reply.json()["balance"] == "97.00"
