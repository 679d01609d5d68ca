"""Gateway settings, all from the environment (GATEWAY_*)."""

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kernel.settings import ServiceSettings, secret


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    bank_target: str = "127.0.0.1:50051"
    analytics_target: str = "127.0.0.1:50052"
    card_adapter_target: str = "127.0.0.1:50053"
    # What a request may spend on the services behind the gateway, all its calls and their retries together; past it
    # the client gets 504. Each call carries what is left as its gRPC deadline, and each service passes it on.
    grpc_timeout_s: float = 5.0
    readiness_timeout_s: float = 1.0
    # A backend that fails this many calls in a row (unavailable, timed out) gets no calls for breaker_open_s: its
    # routes answer 503 at once. Then one call probes it.
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_open_s: float = Field(default=5.0, gt=0)
    cors_origins: list[str] = []
    # Larger request bodies answer 413. The largest real body (a top-up with card data, a transfer with a
    # 255-character description) is under 2 KiB; 64 KiB leaves room for new fields, while one request can
    # no longer make the gateway buffer and parse megabytes.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    # Access tokens issued here (POST /auth/token): ES256 (P-256) keys in PEM. The signing key signs; the
    # verification keys (PEM blocks, e.g. the previous signing key during a rotation) are still accepted. All are
    # published at /.well-known/jwks.json, each with its RFC 7638 thumbprint as `kid`.
    jwt_signing_key: SecretStr | None = secret(description="PEM private key; required unless oidc_issuer is set")
    jwt_verification_keys: SecretStr | None = secret(description="PEM keys still accepted (rotation)")
    jwt_issuer: str = "urn:wallet:gateway"
    jwt_audience: str = "wallet-api"
    access_token_ttl_s: int = 900
    clock_skew_s: int = 30
    role_claim: str = "role"
    # Trust an external OpenID Connect issuer instead: its tokens, its keys (fetched from the JWKS URL); then
    # /auth/token issues nothing. `sub` maps to a Bank user created on the user's first POST /me/accounts.
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str | None = None  # default: jwt_audience
    oidc_algorithms: list[str] = ["RS256", "ES256"]

    # Rate limits ("N/second;M/minute", the `limits` notation), counted in a store all gateway processes share
    # (redis://...); memory:// counts per process and is for development only.
    rate_limit_storage_url: SecretStr = secret("memory://")
    rate_limit_money: str = "20/second;600/minute"  # per user: transfers, top-ups, new accounts
    rate_limit_login: str = "10/minute;100/hour"  # per client address: POST /auth/token
    rate_limit_failed_login: str = "5/minute;20/hour"  # per username: failed POST /auth/token
    rate_limit_signup: str = "5/minute;20/hour"  # per client address: POST /users
    # Longer than this (a store that does not answer) and the request goes through unlimited, logged.
    rate_limit_timeout_s: float = 0.25

    @property
    def external_issuer(self) -> bool:
        return self.oidc_issuer is not None

    @model_validator(mode="after")
    def _issuer_has_keys(self) -> "Settings":
        if self.external_issuer and not self.oidc_jwks_url:
            raise ValueError("GATEWAY_OIDC_ISSUER needs GATEWAY_OIDC_JWKS_URL (where the issuer publishes its keys)")
        return self

    def _requires(self, name: str) -> bool:
        return name == "jwt_signing_key" and not self.external_issuer


@lru_cache
def get_settings() -> Settings:
    return Settings()
