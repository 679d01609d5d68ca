"""`python -m stack.compose_secrets`: the secrets and certificates compose.yaml mounts as Docker secrets, made once
into .compose/ (git-ignored) the way `make up` makes its own."""

from gateway.access_tokens import new_private_key_pem
from stack import certificates, clickhouse, redis
from stack.config import REPO_ROOT, StackConfig

# compose.yaml's network names and ports
URLS = {
    "bank_database_url": "postgresql+asyncpg://wallet:{pg}@postgres:5432/wallet",
    "card_adapter_database_url": "postgresql+asyncpg://wallet:{pg}@postgres:5432/card_adapter",
    "rate_limit_storage_url": "redis://:{redis}@redis:6379/0",
}


def main() -> None:
    cfg = StackConfig(state_dir=REPO_ROOT / ".compose")
    certificates.ensure(cfg)
    cfg.secret_file("jwt_signing_key.pem", new_private_key_pem)
    for name in ("page_token_secret", clickhouse.SECRET):
        cfg.secret_file(name)
    values = {"pg": cfg.database_password, "redis": cfg.secret(redis.SECRET)}
    for name, template in URLS.items():
        cfg.derived_secret(name, template.format(**values))
    print(f"secrets in {cfg.path('secrets')}, certificates in {cfg.path('tls')}")


if __name__ == "__main__":
    main()
