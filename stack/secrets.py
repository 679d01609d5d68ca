"""The native stack's secrets, handed to the services as `*_FILE` variables (the Docker secrets convention)."""

from gateway.access_tokens import new_private_key_pem
from stack import clickhouse, redis
from stack.config import StackConfig


def service_env(cfg: StackConfig) -> dict[str, str]:
    """Every secret setting of every service, as a file: generated keys once, connection URLs on each call."""
    files = {
        "BANK_DATABASE_URL_FILE": cfg.derived_secret("bank_database_url", cfg.database_url),
        "CARD_ADAPTER_DATABASE_URL_FILE": cfg.derived_secret(
            "card_adapter_database_url", cfg.card_adapter_database_url
        ),
        "ANALYTICS_CLICKHOUSE_PASSWORD_FILE": cfg.secret_file(clickhouse.SECRET),
        "BANK_CLICKHOUSE_PASSWORD_FILE": cfg.secret_file(clickhouse.SECRET),
        "ANALYTICS_PAGE_TOKEN_SECRET_FILE": cfg.secret_file("page_token_secret"),
        "GATEWAY_JWT_SIGNING_KEY_FILE": cfg.secret_file("jwt_signing_key.pem", new_private_key_pem),
        "GATEWAY_RATE_LIMIT_STORAGE_URL_FILE": cfg.derived_secret("rate_limit_storage_url", redis.url(cfg)),
    }
    return {variable: str(path) for variable, path in files.items()}
