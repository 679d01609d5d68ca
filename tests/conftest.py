"""Session fixtures that run the real stack (PostgreSQL, ClickHouse, services, gateway) on free ports in a temp dir,
or use the compose stack already running (WALLET_TEST_TARGET=compose, tests/targets.py)."""

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bank.seed import load_users
from stack import clickhouse as clickhouse_server
from stack import jaeger, postgres, processes, proxy, services
from stack import kafka as kafka_server
from stack import prometheus as prometheus_server
from stack import redis as redis_server
from stack.config import StackConfig, ephemeral_config, replicas_each
from tests import containers
from tests.polling import wait_card_adapter_ready
from tests.service_processes import UNLIMITED, start_bank, start_card_adapter
from tests.targets import TARGET
from tests.users import TEST_USERS, TESTER, bearer, login


@pytest.fixture(scope="session")
def stack_cfg(request: pytest.FixtureRequest) -> Iterator[StackConfig]:
    # One process of each service, behind the proxy like `make up`'s: the machine has 2 cores, and a second replica
    # of each would cost every session ~0.5 GB and seconds of start-up (more on a loaded machine). The tests of
    # replicas (tests/e2e/test_replicas.py) run a stack of their own with two.
    if TARGET.compose:  # its endpoints and secrets from the WALLET_* settings (make compose-test sets them)
        yield StackConfig()
        return
    cfg = ephemeral_config(**replicas_each(1))
    yield cfg
    processes.shutdown(cfg)  # supervisord exits with its last program; this ends it if a fixture left one running
    if request.session.testsfailed:  # the services' logs tell what the failures cannot
        print(f"\nservice logs of the failed session: {processes.keep_logs(cfg)}")
    shutil.rmtree(cfg.state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def database(stack_cfg: StackConfig) -> Iterator[StackConfig]:
    """A migrated PostgreSQL cluster (no demo data: tests create their own accounts)."""
    with _running(stack_cfg, postgres) as cfg:
        if not TARGET.compose:  # compose's migrate job has run them
            services.migrate_bank(cfg)
            services.migrate_card_adapter(cfg)
        asyncio.run(load_users(cfg.database_url, TEST_USERS))
        yield cfg


@pytest.fixture(scope="session")
async def engine(database: StackConfig) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database.database_url, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def card_adapter_engine(database: StackConfig) -> AsyncIterator[AsyncEngine]:
    """The Card Adapter's database: its topups table and the mock gateway's ledger (schema mock_gateway)."""
    engine = create_async_engine(database.card_adapter_database_url, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def trace_backend(stack_cfg: StackConfig) -> Iterator[StackConfig]:
    """Jaeger on the session's ports (cfg.otlp_port, cfg.jaeger_port), where every service of the session sends its
    spans: the service fixtures depend on it, so it runs before their first span. Built once per machine."""
    with _running(stack_cfg, jaeger) as cfg:
        yield cfg


@pytest.fixture(scope="session")
def prometheus(stack_cfg: StackConfig) -> Iterator[StackConfig]:
    """Prometheus scraping every target of the session's stack (only what other fixtures started is up)."""
    with _running(stack_cfg, prometheus_server) as cfg:
        yield cfg


@pytest.fixture(scope="session")
def bank_service(database: StackConfig, trace_backend: StackConfig) -> Iterator[StackConfig]:
    if TARGET.compose:
        yield database
        return
    start_bank(database)
    yield database
    services.stop_replicas(database, "bank")


@pytest.fixture(scope="session")
def redis(stack_cfg: StackConfig) -> Iterator[StackConfig]:
    """The gateways' shared rate-limit store."""
    with _running(stack_cfg, redis_server) as cfg:
        yield cfg


@pytest.fixture(scope="session")
def gateway_url(bank_service: StackConfig, redis: StackConfig) -> Iterator[str]:
    """The proxy, in front of the gateway."""
    if TARGET.compose:
        yield proxy.url(bank_service)
        return
    services.start_replicas(bank_service, "gateway", **UNLIMITED)
    proxy.start(bank_service)
    yield proxy.url(bank_service)
    proxy.stop(bank_service)
    services.stop_replicas(bank_service, "gateway")


@pytest.fixture(scope="session")
def tester_token(gateway_url: str) -> str:
    return login(gateway_url, TESTER.username, TESTER.password)


@pytest.fixture(scope="session")
def card_adapter_service(bank_service: StackConfig) -> Iterator[StackConfig]:
    if TARGET.compose:
        yield bank_service
        return
    start_card_adapter(bank_service)
    yield bank_service
    services.stop_replicas(bank_service, "card_adapter")


@contextmanager
def _running(cfg: StackConfig, component) -> Iterator[StackConfig]:
    """Start a stack component unless another fixture already runs it; stop it after only if started here. Against
    compose, its container runs already; with WALLET_TEST_INFRA=containers, PostgreSQL, Kafka and ClickHouse run in
    containers of the project's images (tests/containers.py)."""
    if TARGET.compose:
        yield cfg
        return
    if TARGET.containers and component.NAME in containers.IMAGES:
        with containers.running(cfg, component.NAME):
            yield cfg
        return
    started_here = processes.running_pid(cfg, component.NAME) is None
    component.start(cfg)
    yield cfg
    if started_here:
        component.stop(cfg)


@pytest.fixture(scope="session")
def kafka_broker(stack_cfg: StackConfig) -> Iterator[StackConfig]:
    """A Kafka broker: the analytics schema creates a Kafka-engine table, which needs one to exist."""
    with _running(stack_cfg, kafka_server) as cfg:
        yield cfg


@pytest.fixture(scope="session")
def clickhouse(kafka_broker: StackConfig) -> Iterator[StackConfig]:
    """ClickHouse 18.16 with clickhouse/*.sql applied: the wallet.operations table the Analytics service reads."""
    with _running(kafka_broker, clickhouse_server) as cfg:
        if not TARGET.compose:  # compose's analytics-schema job has applied it
            services.migrate_analytics(cfg)
        yield cfg


@pytest.fixture(scope="session")
def analytics_service(clickhouse: StackConfig, trace_backend: StackConfig) -> Iterator[StackConfig]:
    """The Analytics gRPC service as a process, on the session's ClickHouse (cfg.analytics_port)."""
    if TARGET.compose:
        yield clickhouse
        return
    services.start_analytics(clickhouse)
    yield clickhouse
    services.stop_replicas(clickhouse, "analytics")


@pytest.fixture
async def card_adapter_ready(card_adapter_service: StackConfig, api: httpx.AsyncClient) -> None:
    """The Card Adapter is up and the gateway's channel to it is connected (it reconnects with backoff)."""
    await wait_card_adapter_ready(api)


@pytest.fixture
async def api(gateway_url: str, tester_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway, as the tester (logged in)."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, headers=bearer(tester_token)) as client:
        yield client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against compose, the tests that stop, kill or start native processes (marker `native`) are left out; the tests
    of the compose stack itself (marker `compose`) run only there. Left out means deselected (pytest reports how
    many), never skipped: a run's skips are tests that could not run where they should have."""
    unwanted = "native" if TARGET.compose else "compose"
    left_out = [item for item in items if item.get_closest_marker(unwanted)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(unwanted)]
