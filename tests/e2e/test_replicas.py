"""Replicas under a steady transfer load through the proxy, on a stack of their own (2 Bank replicas, 2 gateways,
PostgreSQL, Redis; no pipeline): after kill -9 of a Bank replica no client sees an error once it has retried with its
Idempotency-Key, and the replica comes back by itself; a rolling restart of the Bank fails no request at all."""

import shutil
from collections.abc import Iterator

import pytest

from stack import chaos, postgres, processes, proxy, redis, services
from stack.config import StackConfig, ephemeral_config

pytestmark = pytest.mark.native  # a native stack of its own

RATE = 30.0  # transfers per second: enough to have some in flight whenever a replica goes
SETTLE_S = 1.5  # of load before the damage, and after the replica is back


@pytest.fixture(scope="module")
def replicated() -> Iterator[StackConfig]:
    cfg = ephemeral_config(bank_replicas=2, gateway_replicas=2, card_adapter_replicas=1, analytics_replicas=1)
    try:
        postgres.start(cfg)
        services.migrate_bank(cfg)
        redis.start(cfg)
        services.start_services(cfg, {"bank": {}, "gateway": chaos.GATEWAY_SETTINGS})
        proxy.start(cfg)
        yield cfg
    finally:
        processes.shutdown(cfg)
        shutil.rmtree(cfg.state_dir, ignore_errors=True)


async def test_kill_9_of_a_bank_replica_fails_no_transfer_once_retried(replicated: StackConfig) -> None:
    scenario = chaos.Scenario("kill -9 one Bank replica", chaos.kill_replica("bank"))
    row = await chaos.run_scenario(replicated, scenario, RATE, pipeline=False, settle_s=SETTLE_S)
    print(f"\n{chaos.table([row])}")
    assert row.requests > RATE * 2 * SETTLE_S * 0.8
    assert row.errors == 0 and row.ok, row.problems


async def test_a_rolling_restart_of_the_bank_fails_no_request(replicated: StackConfig) -> None:
    scenario = chaos.Scenario("rolling restart of the Bank", chaos.rolling_restart_of("bank"))
    row = await chaos.run_scenario(replicated, scenario, RATE, pipeline=False, settle_s=SETTLE_S)
    print(f"\n{chaos.table([row])}")
    assert row.raw_failures == 0 and row.ok, row.problems
