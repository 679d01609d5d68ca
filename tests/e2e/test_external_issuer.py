"""A gateway that trusts an external OpenID Connect issuer: a second key pair plays the issuer, its JWKS served
over HTTP, and the gateway runs as its own process beside the session's."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from stack import processes, services
from stack.config import StackConfig
from tests.service_processes import UNLIMITED
from tests.users import bearer

pytestmark = pytest.mark.native  # a gateway of its own

ISSUER = "https://login.example.test/realms/wallet"
KID = "idp-key-1"


class IdentityProvider:
    """An RS256 key pair and the JWKS document an OpenID Connect issuer would publish."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def token(self, sub: str, **claims: object) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": "wallet-api", "sub": sub, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": KID})


@pytest.fixture(scope="module")
def idp() -> Iterator[tuple[IdentityProvider, str]]:
    provider = IdentityProvider()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(provider.jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield provider, f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()


@pytest.fixture(scope="module")
def federated_gateway(
    bank_service: StackConfig, redis: StackConfig, idp: tuple[IdentityProvider, str]
) -> Iterator[str]:
    port = processes.free_port()
    url = services.start_gateway(bank_service, port, oidc_issuer=ISSUER, oidc_jwks_url=idp[1], **UNLIMITED)
    yield url
    processes.stop(bank_service, f"gateway-{port}")


def test_a_user_of_the_issuer_opens_an_account_and_uses_it(
    federated_gateway: str, idp: tuple[IdentityProvider, str]
) -> None:
    provider, _ = idp
    sub = f"user-{uuid.uuid4()}"
    headers = bearer(provider.token(sub, preferred_username="erin"))
    with httpx.Client(base_url=federated_gateway, headers=headers) as client:
        before = client.get("/me")
        assert before.status_code == 200 and before.json()["accounts"] == []
        assert before.json()["username"] == "erin"
        opened = client.post("/me/accounts", json={"currency": "RUB"})
        assert opened.status_code == 201, opened.text
        account = opened.json()["account_id"]
        assert client.get(f"/accounts/{account}/balance").json()["balance"] == "0.00"
        assert [a["account_id"] for a in client.get("/me").json()["accounts"]] == [account]
    # Another user of the same issuer does not see it.
    other = bearer(provider.token(f"user-{uuid.uuid4()}"))
    assert httpx.get(f"{federated_gateway}/accounts/{account}/balance", headers=other).status_code == 404


def test_tokens_not_from_the_issuer_are_refused(federated_gateway: str, idp: tuple[IdentityProvider, str]) -> None:
    provider, _ = idp
    impostor = IdentityProvider()  # same kid, another key
    for name, token in {
        "another key": impostor.token("someone"),
        "wrong audience": provider.token("someone", aud="another-api"),
        "wrong issuer": provider.token("someone", iss="https://evil.example.test"),
        "expired": provider.token("someone", exp=int(time.time()) - 300),
    }.items():
        reply = httpx.get(f"{federated_gateway}/me", headers=bearer(token))
        assert reply.status_code == 401, name
        assert reply.json()["code"] == "invalid_token", name


def test_the_gateway_issues_no_tokens_of_its_own(federated_gateway: str, gateway_url: str, tester_token: str) -> None:
    form = {"username": "tester", "password": "whatever-password"}
    assert httpx.post(f"{federated_gateway}/auth/token", data=form).status_code == 404
    # A token of the session's own gateway means nothing here.
    assert httpx.get(f"{federated_gateway}/me", headers=bearer(tester_token)).status_code == 401
