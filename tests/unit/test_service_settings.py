"""Secrets in every service's settings: from the environment or a *_FILE file, never a default outside development."""

from pathlib import Path

import pytest

from analytics.config import Settings as AnalyticsSettings
from bank.config import Settings as BankSettings
from card_adapter.config import Settings as CardAdapterSettings
from gateway.config import Settings as GatewaySettings
from kernel.settings import SecretsError


def test_a_secret_comes_from_the_file_its_file_variable_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "page_token_secret"
    secret.write_text("s3cret-from-a-file\n")
    monkeypatch.setenv("ANALYTICS_PAGE_TOKEN_SECRET_FILE", str(secret))
    monkeypatch.setenv("ANALYTICS_CLICKHOUSE_PASSWORD", "clickhouse-pass")
    settings = AnalyticsSettings()
    assert settings.page_token_secret.get_secret_value() == "s3cret-from-a-file"  # the file's trailing newline is not
    assert "s3cret" not in repr(settings)


def test_a_secret_given_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "url").write_text("postgresql+asyncpg://u:p@db/bank")
    monkeypatch.setenv("BANK_DATABASE_URL_FILE", str(tmp_path / "url"))
    monkeypatch.setenv("BANK_DATABASE_URL", "postgresql+asyncpg://u:q@db/bank")
    with pytest.raises(SecretsError, match="BANK_DATABASE_URL and BANK_DATABASE_URL_FILE are both set"):
        BankSettings()


def test_an_unreadable_secret_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANK_DATABASE_URL_FILE", "/nonexistent/secret")
    with pytest.raises(SecretsError, match="BANK_DATABASE_URL_FILE: cannot read /nonexistent/secret"):
        BankSettings()


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        (BankSettings, "BANK_DATABASE_URL, BANK_CLICKHOUSE_PASSWORD"),
        (CardAdapterSettings, "CARD_ADAPTER_DATABASE_URL"),
        (AnalyticsSettings, "ANALYTICS_CLICKHOUSE_PASSWORD, ANALYTICS_PAGE_TOKEN_SECRET"),
        (GatewaySettings, "GATEWAY_RATE_LIMIT_STORAGE_URL, GATEWAY_JWT_SIGNING_KEY"),
    ],
)
def test_production_refuses_missing_or_default_secrets_naming_them(settings: type, missing: str) -> None:
    with pytest.raises(ValueError, match=f"missing or default secrets: {missing}\\."):
        settings()


def test_development_runs_on_defaults() -> None:
    for settings in (BankSettings, CardAdapterSettings, AnalyticsSettings, GatewaySettings):
        assert settings(environment="development").development
