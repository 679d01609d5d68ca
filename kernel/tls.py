"""Mutual TLS on every gRPC hop: ports and channels from a service's settings; plaintext only in development."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc

from kernel.settings import ServiceSettings

ChannelOptions = Sequence[tuple[str, Any]]


class TLSConfigurationError(ValueError):
    """gRPC cannot start: a certificate is missing or unreadable, or plaintext is asked for outside development."""


def plaintext(settings: ServiceSettings) -> bool:
    """Whether gRPC goes without TLS: only when asked for, and only in development (else refused)."""
    if not settings.grpc_plaintext:
        return False
    if not settings.development:
        prefix = _prefix(settings)
        raise TLSConfigurationError(
            f"{prefix}GRPC_PLAINTEXT=true is refused outside development: give {prefix}TLS_CA_FILE, "
            f"{prefix}TLS_CERT_FILE and {prefix}TLS_KEY_FILE, or set {prefix}ENVIRONMENT=development"
        )
    return True


def server_credentials(settings: ServiceSettings) -> grpc.ServerCredentials:
    """This service's certificate, and only clients with a certificate from the CA get in."""
    ca, key, cert = _read_files(settings)
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=True)


def channel_credentials(settings: ServiceSettings) -> grpc.ChannelCredentials:
    """Trust servers certified by the CA, and present this service's certificate to them."""
    ca, key, cert = _read_files(settings)
    return grpc.ssl_channel_credentials(ca, key, cert)


def add_port(server: grpc.aio.Server, address: str, settings: ServiceSettings) -> int:
    if plaintext(settings):
        return server.add_insecure_port(address)
    return server.add_secure_port(address, server_credentials(settings))


def aio_channel(
    target: str,
    settings: ServiceSettings,
    options: ChannelOptions = (),
    interceptors: Sequence[grpc.aio.ClientInterceptor] | None = None,
) -> grpc.aio.Channel:
    if plaintext(settings):
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(target, channel_credentials(settings), options=options, interceptors=interceptors)


def _read_files(settings: ServiceSettings) -> tuple[bytes, bytes, bytes]:
    """The CA certificate, private key and certificate chain, as gRPC takes them."""
    prefix = _prefix(settings)
    contents = []
    for name in ("ca", "key", "cert"):
        variable = f"{prefix}TLS_{name.upper()}_FILE"
        path: Path | None = getattr(settings, f"tls_{name}_file")
        if path is None:
            raise TLSConfigurationError(
                f"{variable} is not set: gRPC needs TLS certificates "
                f"(or {prefix}GRPC_PLAINTEXT=true with {prefix}ENVIRONMENT=development)"
            )
        try:
            contents.append(path.read_bytes())
        except OSError as error:
            raise TLSConfigurationError(f"{variable}: cannot read {path}: {error.strerror}") from None
    ca, key, cert = contents
    return ca, key, cert


def _prefix(settings: ServiceSettings) -> str:
    return str(type(settings).model_config.get("env_prefix", "")).upper()
