"""Mutual TLS on gRPC, over real loopback connections: who gets served, who is refused, and when plaintext may start."""

import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from pydantic_settings import SettingsConfigDict

from kernel import tls
from kernel.grpc_server import serve_until_signalled
from kernel.settings import ServiceSettings
from stack import certificates
from stack.config import REPO_ROOT, StackConfig
from stack.processes import free_port


class PeerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEER_")


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    cfg = StackConfig(state_dir=tmp_path_factory.mktemp("mutual-tls"))
    certificates.ensure(cfg)
    yield cfg


def as_component(cfg: StackConfig, component: str) -> PeerSettings:
    return PeerSettings(**certificates.identity(cfg, component).tls_settings())


@asynccontextmanager
async def health_server(settings: PeerSettings) -> AsyncIterator[str]:
    """A gRPC server with only the health service, listening as `settings` say; yields its target."""
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    target = f"127.0.0.1:{free_port()}"
    tls.add_port(server, target, settings)
    await server.start()
    try:
        yield target
    finally:
        await server.stop(grace=None)


async def check(channel: grpc.aio.Channel) -> int:
    async with channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return reply.status


async def refused(channel: grpc.aio.Channel) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await check(channel)
    return caught.value.code()


async def test_a_client_with_a_certificate_from_the_ca_is_served(certified: StackConfig) -> None:
    async with health_server(as_component(certified, "bank")) as target:
        channel = tls.aio_channel(target, as_component(certified, "gateway"))
        assert await check(channel) == health_pb2.HealthCheckResponse.SERVING


async def test_a_client_without_a_certificate_is_refused(certified: StackConfig) -> None:
    ca = certificates.identity(certified, "bank").ca_file.read_bytes()
    async with health_server(as_component(certified, "bank")) as target:
        assert await refused(grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(ca))) == (
            grpc.StatusCode.UNAVAILABLE
        )
        assert await refused(grpc.aio.insecure_channel(target)) == grpc.StatusCode.UNAVAILABLE


async def test_a_client_certified_by_another_ca_is_refused(certified: StackConfig, tmp_path: Path) -> None:
    other_ca = certificates.create_ca("Another CA")
    cert, key = certificates.issue(other_ca, "gateway", certificates.subject_alternative_names(certified, "gateway"))
    certificates.save(tmp_path / "gateway.crt", tmp_path / "gateway.key", cert, key)
    impostor = PeerSettings(
        tls_ca_file=certificates.identity(
            certified, "gateway"
        ).ca_file,  # trusts the real CA, so only the server refuses
        tls_cert_file=tmp_path / "gateway.crt",
        tls_key_file=tmp_path / "gateway.key",
    )
    async with health_server(as_component(certified, "bank")) as target:
        assert await refused(tls.aio_channel(target, impostor)) == grpc.StatusCode.UNAVAILABLE


async def test_plaintext_outside_development_is_refused_at_start() -> None:
    with pytest.raises(tls.TLSConfigurationError, match="PEER_GRPC_PLAINTEXT=true is refused outside development"):
        await serve_until_signalled(
            grpc.aio.server(), "127.0.0.1:0", "peer", logging.getLogger(), PeerSettings(grpc_plaintext=True)
        )


def test_the_bank_refuses_to_start_in_plaintext_outside_development() -> None:
    env = {
        **os.environ,
        "BANK_DATABASE_URL": "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none",  # never reached
        "BANK_CLICKHOUSE_PASSWORD": "never-used",  # every other secret set: the refusal is plaintext's alone
        "BANK_PORT": str(free_port()),
        "BANK_GRPC_PLAINTEXT": "true",
        "BANK_ENVIRONMENT": "production",
    }
    argv = [sys.executable, "-m", "bank.entrypoints.grpc_server"]
    result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "BANK_GRPC_PLAINTEXT=true is refused outside development" in result.stderr


async def test_a_stack_service_serves_the_stacks_certificate_and_refuses_plaintext(bank_service: StackConfig) -> None:
    target = f"{bank_service.host}:{bank_service.bank_port}"
    assert await check(grpc.aio.secure_channel(target, certificates.client_credentials(bank_service))) == (
        health_pb2.HealthCheckResponse.SERVING
    )
    assert await refused(grpc.aio.insecure_channel(target)) == grpc.StatusCode.UNAVAILABLE


async def test_without_certificates_nothing_starts() -> None:
    expected = (
        r"PEER_TLS_CA_FILE is not set: gRPC needs TLS certificates "
        r"\(or PEER_GRPC_PLAINTEXT=true with PEER_ENVIRONMENT=development\)"
    )
    with pytest.raises(tls.TLSConfigurationError, match=expected):
        await serve_until_signalled(grpc.aio.server(), "127.0.0.1:0", "peer", logging.getLogger(), PeerSettings())
    with pytest.raises(tls.TLSConfigurationError, match="PEER_TLS_KEY_FILE: cannot read /nonexistent"):
        tls.aio_channel("127.0.0.1:1", PeerSettings(tls_ca_file=__file__, tls_key_file="/nonexistent"))


async def test_plaintext_in_development_when_asked() -> None:
    development = PeerSettings(environment="development", grpc_plaintext=True)
    async with health_server(development) as target:
        assert await check(tls.aio_channel(target, development)) == health_pb2.HealthCheckResponse.SERVING
