"""Access tokens (JWT): issued here with the gateway's ES256 keys, or trusted from an external OpenID Connect issuer.

Verification pins the algorithms, requires `exp`, `iss`, `aud` and `sub`, checks `nbf` when present, and allows
`clock_skew_s` of skew. A token's `kid` picks the key, so two keys can be valid at once while they rotate."""

import base64
import hashlib
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.config import Settings

log = logging.getLogger("gateway.auth")
LOCAL_ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, not an ID token signed by the same key
ROLES = ("customer", "auditor", "operator")
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


class InvalidToken(Exception):
    """The token is malformed, expired, not yet valid, signed by an unknown key or meant for someone else."""


@dataclass(frozen=True)
class Principal:
    """Who a request is made for: the Bank's user id (`subject`) and role."""

    subject: str
    role: str
    username: str
    # Set for a user of an external issuer: the name its user gets in the Bank on first use.
    provision_username: str | None = None
    expires_at: float = float("inf")  # the token's `exp`


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class Key:
    kid: str
    public: ec.EllipticCurvePublicKey
    private: ec.EllipticCurvePrivateKey | None = None

    @classmethod
    def from_pem(cls, pem: str) -> "Key":
        loaded: Any
        if "PRIVATE KEY" in pem:
            loaded = serialization.load_pem_private_key(pem.encode(), password=None)
            public = loaded.public_key()
        else:
            loaded, public = None, serialization.load_pem_public_key(pem.encode())
        if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
            raise ValueError("token keys must be EC P-256 keys (ES256)")
        return cls(kid=thumbprint(public), public=public, private=loaded)

    def jwk(self) -> dict[str, str]:
        fields = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.public))
        return {**fields, "kid": self.kid, "use": "sig", "alg": LOCAL_ALGORITHM}


def thumbprint(public: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), the key's `kid`: the same key gets the same id in every replica."""
    fields = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
    canonical = json.dumps({k: fields[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def new_private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def pem_blocks(text: str) -> list[str]:
    return _PEM_BLOCK.findall(text or "")


class LocalIssuer:
    """Signs access tokens with the signing key; accepts tokens of it and of the verification keys."""

    def __init__(self, settings: Settings, signing_pem: str, verification_pems: list[str]) -> None:
        self._settings = settings
        self.signing = Key.from_pem(signing_pem)
        if self.signing.private is None:
            raise ValueError("GATEWAY_JWT_SIGNING_KEY must be a private key")
        self._private = self.signing.private
        self.keys = {key.kid: key for key in [self.signing, *map(Key.from_pem, verification_pems)]}

    def issue(self, subject: str, username: str, role: str) -> tuple[str, int]:
        now = int(time.time())
        ttl = self._settings.access_token_ttl_s
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": subject,
            "preferred_username": username,
            self._settings.role_claim: role,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": self.signing.kid, "typ": TOKEN_TYPE}
        return jwt.encode(claims, self._private, algorithm=LOCAL_ALGORITHM, headers=headers), ttl

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.jwk() for key in self.keys.values()]}

    async def verify(self, token: str) -> Principal:
        header = _header(token)
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("not an access token")
        key = self.keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("signed by an unknown key")
        s = self._settings
        claims = _decode(token, key.public, [LOCAL_ALGORITHM], s.jwt_issuer, s.jwt_audience, s.clock_skew_s)
        try:
            subject = str(uuid.UUID(str(claims["sub"])))
        except ValueError as error:
            raise InvalidToken("sub is not a user id") from error
        username = str(claims.get("preferred_username", subject))
        return Principal(subject, _role(claims, s), username, expires_at=float(claims["exp"]))


class ExternalIssuer:
    """Trusts an OpenID Connect issuer: its keys come from its JWKS URL, fetched again when a new `kid` shows up
    (at most every `REFRESH_AFTER_S`), so the issuer can rotate without a restart here."""

    REFRESH_AFTER_S = 30.0

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        assert settings.oidc_issuer and settings.oidc_jwks_url
        self._settings = settings
        self._issuer = settings.oidc_issuer
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")

    async def verify(self, token: str) -> Principal:
        kid = str(_header(token).get("kid"))
        key = self._keys.get(kid) or await self._refreshed(kid)
        s = self._settings
        claims = _decode(token, key, s.oidc_algorithms, self._issuer, s.oidc_audience or s.jwt_audience, s.clock_skew_s)
        sub = str(claims["sub"])
        # The Bank knows users by UUID: one derived from (issuer, sub), the same on every replica and restart.
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self._issuer}#{sub}"))
        username = str(claims.get("preferred_username") or sub)
        provision = f"{sub}@{urlsplit(self._issuer).hostname or 'issuer'}"[:255]
        role = _role(claims, s)
        return Principal(subject, role, username, provision_username=provision, expires_at=float(claims["exp"]))

    async def _refreshed(self, kid: str) -> jwt.PyJWK:
        if time.monotonic() - self._fetched_at >= self.REFRESH_AFTER_S:
            self._fetched_at = time.monotonic()
            try:
                response = await self._http.get(str(self._settings.oidc_jwks_url), timeout=3)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
                self._keys = {str(k.key_id): k for k in keys if k.key_id}
            except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as error:
                log.warning("cannot fetch the issuer's keys from %s: %s", self._settings.oidc_jwks_url, error)
        if kid not in self._keys:
            raise InvalidToken("signed by an unknown key")
        return self._keys[kid]


def _header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("malformed token") from error


def _decode(token: str, key: Any, algorithms: list[str], issuer: str, audience: str, leeway: int) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error


def _role(claims: dict[str, Any], settings: Settings) -> str:
    role = claims.get(settings.role_claim, "customer")
    if role not in ROLES:
        raise InvalidToken(f"unknown role {role!r}")
    return str(role)


class VerifiedTokens:
    """Remembers tokens already verified, until they expire: a client sends the same token with every request, and
    checking its ES256 signature again each time costs ~0.3 ms of CPU. Only valid tokens are remembered."""

    def __init__(self, verifier: "LocalIssuer | ExternalIssuer", max_tokens: int = 10_000) -> None:
        self.verifier = verifier
        self._max = max_tokens
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None or principal.expires_at <= time.time():
            self._verified.pop(token, None)
            principal = await self.verifier.verify(token)
            self._verified[token] = principal
            if len(self._verified) > self._max:
                self._verified.popitem(last=False)
        return principal


def from_settings(settings: Settings, http: httpx.AsyncClient) -> "LocalIssuer | ExternalIssuer":
    """The external issuer when one is set, else this gateway's own keys."""
    if settings.external_issuer:
        return ExternalIssuer(settings, http)
    if settings.jwt_signing_key is None:  # development only: the settings refuse production without a key
        log.warning("GATEWAY_JWT_SIGNING_KEY is not set: signing with a key made for this process only")
        signing = new_private_key_pem()
    else:
        signing = settings.jwt_signing_key.get_secret_value()
    extra = settings.jwt_verification_keys.get_secret_value() if settings.jwt_verification_keys else ""
    return LocalIssuer(settings, signing, pem_blocks(extra))
