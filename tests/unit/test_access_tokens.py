"""Access tokens: what the gateway issues, and every way a token must be refused."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.access_tokens import InvalidToken, LocalIssuer, VerifiedTokens, from_settings, new_private_key_pem
from gateway.config import Settings

SUBJECT = str(uuid.uuid4())


def issuer(signing: str | None = None, *verification: str, **settings: Any) -> LocalIssuer:
    return LocalIssuer(
        Settings(environment="development", **settings), signing or new_private_key_pem(), [*verification]
    )


def forged(issuer: LocalIssuer, **overrides: object) -> str:
    """A token signed by `issuer`'s key with some claims changed (None removes one)."""
    now = int(time.time())
    claims = {"iss": "urn:wallet:gateway", "aud": "wallet-api", "sub": SUBJECT, "iat": now, "nbf": now, "exp": now + 60}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    headers = {"kid": issuer.signing.kid, "typ": "at+jwt"}
    assert issuer.signing.private is not None
    return jwt.encode(claims, issuer.signing.private, algorithm="ES256", headers=headers)


async def test_an_issued_token_names_the_user_and_role() -> None:
    tokens = issuer()
    token, expires_in = tokens.issue(SUBJECT, "alice", "auditor")
    principal = await tokens.verify(token)
    assert (principal.subject, principal.username, principal.role, expires_in) == (SUBJECT, "alice", "auditor", 900)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": tokens.signing.kid, "typ": "at+jwt"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid.uuid4())
    return f"{header}.{_b64(claims)}.{signature}"


def alg_none(token: str) -> str:
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': jwt.get_unverified_header(token)['kid']})}.{_b64(claims)}."


def hs256_with_public_key(tokens: LocalIssuer) -> str:
    """The classic algorithm confusion: HMAC keyed with the (public) verification key."""
    public_pem = tokens.signing.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "at+jwt", "kid": tokens.signing.kid})
    now = int(time.time())
    payload = _b64({"iss": "urn:wallet:gateway", "aud": "wallet-api", "sub": SUBJECT, "exp": now + 60, "nbf": now})
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda t: forged(t, exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda t: forged(t, nbf=int(time.time()) + 120), id="not yet valid"),
        pytest.param(lambda t: forged(t, aud="another-api"), id="wrong audience"),
        pytest.param(lambda t: forged(t, iss="https://evil.example"), id="wrong issuer"),
        pytest.param(lambda t: forged(t, exp=None), id="no expiry"),
        pytest.param(lambda t: forged(t, sub="not-a-user-id"), id="subject not a user id"),
        pytest.param(lambda t: forged(t, role="admin"), id="unknown role"),
        pytest.param(lambda t: tampered(t.issue(SUBJECT, "a", "customer")[0]), id="tampered"),
        pytest.param(lambda t: alg_none(t.issue(SUBJECT, "a", "customer")[0]), id="alg none"),
        pytest.param(hs256_with_public_key, id="HS256 signed with the public key"),
        pytest.param(lambda t: issuer().issue(SUBJECT, "a", "customer")[0], id="another key"),
        pytest.param(lambda t: "not.a.token", id="garbage"),
    ],
)
async def test_refused(make) -> None:
    tokens = issuer()
    with pytest.raises(InvalidToken):
        await tokens.verify(make(tokens))


async def test_small_clock_skew_is_allowed() -> None:
    tokens = issuer(clock_skew_s=30)
    assert (await tokens.verify(forged(tokens, exp=int(time.time()) - 10))).subject == SUBJECT
    assert (await tokens.verify(forged(tokens, nbf=int(time.time()) + 10))).subject == SUBJECT


async def test_two_keys_are_valid_while_they_rotate() -> None:
    old_pem, new_pem = new_private_key_pem(), new_private_key_pem()
    before = issuer(old_pem)
    old_token, _ = before.issue(SUBJECT, "alice", "customer")
    during = issuer(new_pem, old_pem)
    new_token, _ = during.issue(SUBJECT, "alice", "customer")
    assert (await during.verify(old_token)).subject == SUBJECT == (await during.verify(new_token)).subject
    assert {key["kid"] for key in during.jwks()["keys"]} == {before.signing.kid, during.signing.kid}
    assert all(key["kty"] == "EC" and "d" not in key for key in during.jwks()["keys"])  # public halves only
    after = issuer(new_pem)
    with pytest.raises(InvalidToken):
        await after.verify(old_token)


def test_the_key_id_is_the_keys_thumbprint_in_every_replica() -> None:
    pem = new_private_key_pem()
    assert issuer(pem).signing.kid == issuer(pem).signing.kid != issuer().signing.kid


async def test_production_needs_a_signing_key_unless_an_issuer_is_trusted() -> None:
    with pytest.raises(ValueError, match="GATEWAY_JWT_SIGNING_KEY"):
        Settings(rate_limit_storage_url="redis://x")
    external = Settings(
        rate_limit_storage_url="redis://x",
        oidc_issuer="https://idp.example",
        oidc_jwks_url="https://idp.example/jwks",
    )
    async with httpx.AsyncClient() as http:
        assert type(from_settings(external, http)).__name__ == "ExternalIssuer"


async def test_a_verified_token_is_remembered_until_it_expires() -> None:
    tokens = issuer(clock_skew_s=0)
    calls = 0

    class Counting:
        async def verify(self, token: str):
            nonlocal calls
            calls += 1
            return await tokens.verify(token)

    verified = VerifiedTokens(Counting(), max_tokens=2)  # type: ignore[arg-type]
    fresh = forged(tokens)
    for _ in range(3):
        assert (await verified.verify(fresh)).subject == SUBJECT
    assert calls == 1
    expiring = forged(tokens, exp=int(time.time()) + 1)
    await verified.verify(expiring)
    time.sleep(1.1)
    with pytest.raises(InvalidToken):  # past exp: verified again (and refused), not served from memory
        await verified.verify(expiring)
    with pytest.raises(InvalidToken):
        await verified.verify(tampered(fresh))  # another string: no shortcut
