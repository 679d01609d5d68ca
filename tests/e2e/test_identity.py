"""Identity and access through the real gateway and Bank: logging in, tokens refused, who may do what."""

import base64
import json
import time
import uuid

import grpc
import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.access_tokens import LocalIssuer, new_private_key_pem
from gateway.config import Settings
from generated import bank_pb2, bank_pb2_grpc
from kernel import callers
from stack import certificates
from stack.config import StackConfig
from tests.accounts import create_accounts
from tests.e2e.topup_helpers import card
from tests.users import INSPECTOR, MALLORY, TESTER, bearer, login

pytestmark = pytest.mark.usefixtures("card_adapter_ready", "analytics_service")


@pytest.fixture(scope="module")
def tokens(gateway_url: str, tester_token: str) -> dict[str, dict[str, str]]:
    """Request headers of each actor: the owner (tester), another customer, an auditor, and nobody."""
    return {
        "owner": bearer(tester_token),
        "stranger": bearer(login(gateway_url, MALLORY.username, MALLORY.password)),
        "auditor": bearer(login(gateway_url, INSPECTOR.username, INSPECTOR.password)),
        "anonymous": {},
    }


def stack_issuer(cfg: StackConfig) -> LocalIssuer:
    """The gateway's own signing key, as `make up` made it: to forge tokens it would accept but for one claim."""
    return LocalIssuer(Settings(environment="development"), cfg.secret("jwt_signing_key.pem"), [])


async def test_login_gives_a_bearer_token_for_the_users_own_profile(api: httpx.AsyncClient, gateway_url: str) -> None:
    reply = httpx.post(f"{gateway_url}/auth/token", data={"username": "tester", "password": TESTER.password})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    me = await api.get("/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["role"], me.json()["user_id"]) == ("tester", "customer", str(TESTER.id))


async def test_a_wrong_password_and_an_unknown_user_answer_alike(gateway_url: str) -> None:
    answers = [
        httpx.post(f"{gateway_url}/auth/token", data={"username": name, "password": "wrong-password-1"})
        for name in ("tester", "nobody-at-all")
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["code"] == "invalid_credentials"


async def test_the_jwks_verifies_the_tokens(gateway_url: str, tester_token: str) -> None:
    keys = httpx.get(f"{gateway_url}/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(tester_token)["kid"]
    [key] = [k for k in keys if k["kid"] == kid]
    assert "d" not in key  # the public half only
    claims = jwt.decode(tester_token, jwt.PyJWK(key).key, algorithms=["ES256"], audience="wallet-api")
    assert claims["sub"] == str(TESTER.id)


def refused_tokens(cfg: StackConfig) -> dict[str, str]:
    issuer = stack_issuer(cfg)
    now = int(time.time())
    claims = {"iss": "urn:wallet:gateway", "aud": "wallet-api", "sub": str(TESTER.id), "nbf": now, "exp": now + 60}
    headers = {"kid": issuer.signing.kid, "typ": "at+jwt"}
    private = issuer.signing.private
    assert private is not None
    sign = lambda **c: jwt.encode({**claims, **c}, private, algorithm="ES256", headers=headers)  # noqa: E731
    good = sign()
    return {
        "expired": sign(exp=now - 300),
        "wrong audience": sign(aud="someone-else"),
        "tampered": _with_claims(good, sub=str(MALLORY.id)),
        "alg none": jwt.encode(claims, None, algorithm="none", headers=headers),  # type: ignore[arg-type]  # unsigned
        "another key": LocalIssuer(Settings(environment="development"), new_private_key_pem(), []).issue(
            str(TESTER.id), "tester", "customer"
        )[0],
    }


def _with_claims(token: str, **changes: str) -> str:
    """The token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), **changes}
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


async def test_no_token_or_a_bad_one_is_401_with_a_bearer_challenge(
    gateway_url: str, engine: AsyncEngine, bank_service: StackConfig
) -> None:
    [a] = await create_accounts(engine, "10.00")
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        missing = await client.get(f"/accounts/{a}/balance")
        assert missing.status_code == 401 and missing.json()["code"] == "unauthenticated"
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="wallet"'
        assert missing.headers["content-type"] == "application/problem+json"
        for name, token in refused_tokens(bank_service).items():
            reply = await client.get(f"/accounts/{a}/balance", headers=bearer(token))
            assert reply.status_code == 401, (name, reply.text)
            assert reply.json()["code"] == "invalid_token", name
            assert reply.headers["WWW-Authenticate"] == 'Bearer realm="wallet", error="invalid_token"', name


ROUTES = ["balance", "operations", "transfer", "topup", "get topup", "me", "open account"]
# route -> (owner, stranger, auditor, anonymous): the status each gets on the owner's account
EXPECTED = {
    "balance": (200, 404, 200, 401),
    "operations": (200, 404, 200, 401),
    "transfer": (201, 404, 403, 401),
    "topup": (201, 404, 403, 401),
    "get topup": (200, 404, 200, 401),
    "me": (200, 200, 200, 401),
    "open account": (201, 201, 403, 401),
}


async def test_ownership_matrix(api: httpx.AsyncClient, engine: AsyncEngine, tokens: dict[str, dict[str, str]]) -> None:
    [account, elsewhere] = await create_accounts(engine, "1000.00", "0.00")
    created = await api.post(f"/accounts/{account}/topup", json={"amount": "5.00", "currency": "RUB", "card": card()})
    assert created.status_code == 201, created.text
    topup_id = created.json()["topup_id"]
    requests = {
        "balance": ("GET", f"/accounts/{account}/balance", None),
        "operations": ("GET", f"/accounts/{account}/operations", None),
        "transfer": (
            "POST",
            f"/accounts/{account}/transfers",
            {"to_account_id": str(elsewhere), "amount": "1.00", "currency": "RUB"},
        ),
        "topup": ("POST", f"/accounts/{account}/topup", {"amount": "1.00", "currency": "RUB", "card": card()}),
        "get topup": ("GET", f"/accounts/{account}/topups/{topup_id}", None),
        "me": ("GET", "/me", None),
        "open account": ("POST", "/me/accounts", {"currency": "RUB"}),
    }
    seen = {}
    for route in ROUTES:
        method, path, body = requests[route]
        statuses = []
        for actor in ("owner", "stranger", "auditor", "anonymous"):
            reply = await api.request(method, path, json=body, headers={"Authorization": "", **tokens[actor]})
            statuses.append(reply.status_code)
            if reply.status_code >= 400:
                assert reply.headers["content-type"] == "application/problem+json"
        seen[route] = tuple(statuses)
    assert seen == EXPECTED
    # Only the owner's transfer and top-up moved money: 1000 - 1 + 5 + 1.
    assert (await api.get(f"/accounts/{account}/balance")).json()["balance"] == "1005.00"


async def test_another_users_account_answers_exactly_like_an_unknown_one(
    engine: AsyncEngine, gateway_url: str, tokens: dict[str, dict[str, str]]
) -> None:
    [theirs] = await create_accounts(engine, "100.00")
    unknown = uuid.uuid4()
    async with httpx.AsyncClient(base_url=gateway_url, headers=tokens["stranger"]) as mallory:
        for method, suffix, body in [
            ("GET", "balance", None),
            ("GET", "operations", None),
            ("POST", "transfers", {"to_account_id": str(uuid.uuid4()), "amount": "1.00", "currency": "RUB"}),
            ("POST", "topup", {"amount": "1.00", "currency": "RUB", "card": card()}),
        ]:
            foreign = await mallory.request(method, f"/accounts/{theirs}/{suffix}", json=body)
            missing = await mallory.request(method, f"/accounts/{unknown}/{suffix}", json=body)
            assert foreign.status_code == missing.status_code == 404, (suffix, foreign.text)
            strip = lambda reply: {**reply.json(), "instance": None, "detail": None}  # noqa: E731
            assert strip(foreign) == strip(missing), suffix
            assert foreign.json()["detail"].replace(str(theirs), "X") == missing.json()["detail"].replace(
                str(unknown), "X"
            )


async def test_register_log_in_and_open_accounts(gateway_url: str) -> None:
    username = f"carol-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        created = await client.post(
            "/users", json={"username": username, "password": "purple monkey dishwasher", "currency": "EUR"}
        )
        assert created.status_code == 201, created.text
        profile = created.json()
        assert profile["username"] == username and profile["role"] == "customer"
        assert [(a["balance"], a["currency"]) for a in profile["accounts"]] == [("0.00", "EUR")]
        assert "password" not in created.text
        again = await client.post(
            "/users", json={"username": username, "password": "another long password", "currency": "EUR"}
        )
        assert again.status_code == 409 and again.json()["code"] == "username_taken"
        token = login(gateway_url, username, "purple monkey dishwasher")
        opened = await client.post("/me/accounts", json={"currency": "RUB"}, headers=bearer(token))
        assert opened.status_code == 201 and opened.json()["balance"] == "0.00"
        me = (await client.get("/me", headers=bearer(token))).json()
        assert [a["currency"] for a in me["accounts"]] == ["EUR", "RUB"]


@pytest.mark.parametrize(
    ("password", "code"),
    [("tiny-pw", "invalid_request"), ("dave-is-my-password", "weak_password"), ("aaaaaaaaaaaa", "weak_password")],
)
async def test_weak_passwords_are_refused(gateway_url: str, password: str, code: str) -> None:
    reply = httpx.post(f"{gateway_url}/users", json={"username": "dave", "password": password, "currency": "RUB"})
    assert reply.status_code == 400 and reply.json()["code"] == code
    assert password not in reply.text


@pytest.mark.native
async def test_the_bank_checks_ownership_itself(bank_service: StackConfig, engine: AsyncEngine) -> None:
    """Defence in depth: a caller on the network (with a valid certificate) still cannot move another's money."""
    [account, other] = await create_accounts(engine, "50.00", "0.00")
    request = bank_pb2.TransferMoneyRequest(
        from_account_id=str(account), to_account_id=str(other), amount="1.00", currency="RUB"
    )
    target = f"{bank_service.host}:{bank_service.bank_port}"
    async with grpc.aio.secure_channel(target, certificates.client_credentials(bank_service)) as channel:
        bank = bank_pb2_grpc.BankServiceStub(channel)
        for metadata, code in [
            ((), grpc.StatusCode.UNAUTHENTICATED),
            (callers.to_metadata(str(MALLORY.id), "customer"), grpc.StatusCode.NOT_FOUND),
            (callers.to_metadata(str(INSPECTOR.id), "auditor"), grpc.StatusCode.PERMISSION_DENIED),
            (callers.to_metadata("not-a-uuid", "customer"), grpc.StatusCode.UNAUTHENTICATED),
        ]:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await bank.TransferMoney(request, metadata=metadata, timeout=5)
            assert refused.value.code() == code, metadata
        done = await bank.TransferMoney(request, metadata=callers.to_metadata(str(TESTER.id), "customer"), timeout=5)
        assert done.transfer.amount == "1.00"


def test_docs_offer_the_password_flow(gateway_url: str) -> None:
    schemes = httpx.get(f"{gateway_url}/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "auth/token"
