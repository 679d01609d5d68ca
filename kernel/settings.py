"""The base of every service's settings: production unless told otherwise, secrets from `*_FILE` files,
and no start with a secret left missing or at its development default."""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class SecretsError(ValueError):
    """A secret is missing, left at its development default, or given twice."""


def secret(default: str | None = None, description: str = "") -> Any:
    """A setting that is a secret: read from `<PREFIX><NAME>` or from the file named by `<PREFIX><NAME>_FILE`
    (the Docker secrets convention). Outside development it must be set, and not to `default`."""
    value = SecretStr(default) if default is not None else None
    return Field(default=value, description=description, json_schema_extra={"secret": True})


def is_secret(field: FieldInfo) -> bool:
    return isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret") is True


class SecretFiles(PydanticBaseSettingsSource):
    """Reads each secret field from the file its `*_FILE` variable names."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ does the work

    def __call__(self) -> dict[str, Any]:
        prefix = str(self.settings_cls.model_config.get("env_prefix", ""))
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            if not is_secret(field):
                continue
            variable = f"{prefix}{name}".upper()
            path = os.environ.get(f"{variable}_FILE")
            if not path:
                continue
            if os.environ.get(variable):
                raise SecretsError(f"{variable} and {variable}_FILE are both set; set one")
            try:
                values[name] = Path(path).read_text().rstrip("\r\n")
            except OSError as error:
                raise SecretsError(f"{variable}_FILE: cannot read {path}: {error.strerror}") from None
        return values


class ServiceSettings(BaseSettings):
    """Subclasses set `model_config = SettingsConfigDict(env_prefix="BANK_")` and declare secrets with `secret()`."""

    model_config = SettingsConfigDict(extra="ignore")

    # development allows development defaults for secrets and plaintext gRPC; anything else is production.
    environment: Literal["production", "development"] = "production"
    log_level: str = "INFO"
    # Mutual TLS on every gRPC hop (kernel/tls.py): the CA that signs every peer, and this service's own
    # certificate, served to clients and presented to servers.
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # Plaintext gRPC skips TLS for in-process tests and debugging; refused outside development.
    grpc_plaintext: bool = False
    # On SIGTERM a gRPC service first reports NOT_SERVING and keeps serving this long, so that clients (which check
    # health, kernel.grpc_channels) stop sending it new calls; then it refuses new calls and lets running ones finish.
    drain_s: float = Field(default=1.0, ge=0)
    # A gRPC service serves Prometheus's /metrics over HTTP on this port, on its own host; None: no metrics server.
    metrics_port: int | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, SecretFiles(settings_cls), env_settings, dotenv_settings, file_secret_settings

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "ServiceSettings":
        if self.development:
            return self
        prefix = str(self.model_config.get("env_prefix", ""))
        unset = [
            f"{prefix}{name}".upper()
            for name, field in type(self).model_fields.items()
            if is_secret(field) and field.default is not None and _same_secret(getattr(self, name), field.default)
        ]
        unset += [
            f"{prefix}{name}".upper()
            for name, field in type(self).model_fields.items()
            if is_secret(field) and field.default is None and self._requires(name) and getattr(self, name) is None
        ]
        if unset:
            names = ", ".join(unset)
            raise SecretsError(
                f"refusing to start outside development with missing or default secrets: {names}. "
                f"Set each (or <NAME>_FILE pointing at a file), or {prefix}ENVIRONMENT=development"
            )
        return self

    def _requires(self, name: str) -> bool:
        """Whether a secret without a default is needed in this configuration (overridden where optional)."""
        return True


class DatabaseServiceSettings(ServiceSettings):
    """A service with a PostgreSQL database of its own (kernel.postgres); it gives `database_url` its development
    default with `secret()`."""

    database_url: SecretStr
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_connect_timeout_s: float = 3.0
    statement_timeout_ms: int = 10000
    # How long a request waits for another request holding the same idempotency key.
    idempotency_wait_ms: int = 5000


def _same_secret(value: SecretStr | None, default: SecretStr) -> bool:
    return value is None or value.get_secret_value() == default.get_secret_value()
