"""No full card number, password or token anywhere: after top-ups with every test card and logins, scan every
service log, both databases and the traces the services sent to Jaeger."""

import os
import subprocess
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from stack import postgres
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.jaeger_traces import trace_id_of, trace_in_jaeger
from tests.e2e.topup_helpers import TEST_CARDS, card, topup
from tests.users import TESTER, bearer, login

pytestmark = [pytest.mark.usefixtures("card_adapter_ready"), pytest.mark.native]  # reads the processes' log files
BAD_LUHN = "4242424242424241"


def traces(cfg: StackConfig) -> dict[str, str]:
    """Every trace Jaeger holds of each service, as its JSON text (span names, attributes, events)."""
    found = {}
    with httpx.Client(base_url=f"http://{cfg.host}:{cfg.jaeger_port}", timeout=30) as jaeger:
        for service in ("gateway", "bank", "card_adapter"):
            reply = jaeger.get("/api/traces", params={"service": service, "limit": 5000, "lookback": "2h"})
            assert reply.status_code == 200, reply.text
            found[f"traces of {service}"] = reply.text
    return found


def pg_dump(cfg: StackConfig, database: str) -> str:
    argv = [str(postgres.PG_BIN / "pg_dump"), "-h", cfg.host, "-p", str(cfg.pg_port), "-U", cfg.pg_user, database]
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": cfg.database_password})
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_logs_and_databases_hold_no_card_number(
    api: httpx.AsyncClient, engine: AsyncEngine, card_adapter_service: StackConfig
) -> None:
    cfg = card_adapter_service
    [a] = await create_accounts(engine, "0.00")
    last = None
    for number in TEST_CARDS:
        assert (last := await topup(api, a, number, "3.00")).status_code == 201
    spaced = {"amount": "3.00", "currency": "RUB", "card": card("4242 4242 4242 4242")}
    assert (await api.post(f"/accounts/{a}/topup", json=spaced)).status_code == 201
    bad = {"amount": "3.00", "currency": "RUB", "card": card(BAD_LUHN)}
    assert (await api.post(f"/accounts/{a}/topup", json=bad)).status_code == 400

    assert last is not None
    await trace_in_jaeger(cfg, trace_id_of(last), {"gateway", "card_adapter", "bank"})  # exported by now
    places = {path.name: path.read_text(errors="replace") for path in cfg.logs_dir.glob("*.log")}
    assert {"bank-1.log", "card_adapter-1.log", "gateway-1.log", "proxy-access.log"} <= places.keys()
    places |= {f"pg_dump {db}": pg_dump(cfg, db) for db in (cfg.pg_database, cfg.card_adapter_database)}
    places |= traces(cfg)
    assert "mock_gateway.charges" in places[f"pg_dump {cfg.card_adapter_database}"]
    assert "ProcessCardTopUp" in places["traces of card_adapter"]
    for number in [*TEST_CARDS, BAD_LUHN]:
        for name, content in places.items():
            assert number not in content, f"a full card number is in {name}"
    assert "4242 4242 4242 4242" not in "".join(places.values())


async def test_logs_and_databases_hold_no_password_or_token(
    api: httpx.AsyncClient, gateway_url: str, tester_token: str, card_adapter_service: StackConfig
) -> None:
    cfg = card_adapter_service
    password = f"never-logged-{uuid.uuid4().hex}"
    username = f"secretive-{uuid.uuid4().hex[:8]}"
    assert (await api.post("/users", json={"username": username, "password": password, "currency": "RUB"})).is_success
    token = login(gateway_url, username, password)
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    wrong = await api.post("/auth/token", data={"username": username, "password": password + "-wrong"})
    assert wrong.status_code == 400
    await trace_in_jaeger(cfg, trace_id_of(wrong), {"gateway", "bank"})  # exported by now
    places = {path.name: path.read_text(errors="replace") for path in cfg.logs_dir.glob("*.log")}
    places |= {f"pg_dump {db}": pg_dump(cfg, db) for db in (cfg.pg_database, cfg.card_adapter_database)}
    places |= traces(cfg)
    assert "$argon2id$" in places[f"pg_dump {cfg.pg_database}"]  # what is stored instead
    secrets = {"password": password, "token": token, "session token": tester_token, "tester": TESTER.password}
    for what, secret in secrets.items():
        for name, content in places.items():
            assert secret not in content, f"a {what} is in {name}"
