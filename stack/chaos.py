"""`make chaos`: a private stack with 2 replicas of each service under a steady transfer load through the proxy; one
failure at a time (kill -9 of a replica, rolling restarts, PostgreSQL restarted, Connect and ClickHouse crashed), each
bounded in time, then the invariants checked and a table printed."""

import argparse
import asyncio
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stack import (
    clickhouse,
    connect,
    invariants,
    outbox_connector,
    postgres,
    processes,
    proxy,
    rolling_restart,
    services,
    system,
    transfer_load,
)
from stack.config import SERVICES, StackConfig, ephemeral_config, replicas_each

# The load is one user's; its limit per user (20/s) would refuse most of it.
GATEWAY_SETTINGS = {"rate_limit_money": "100000/second"}
RATE = 50.0  # transfers per second
BEFORE_S = 3.0  # of load before each failure, and after the failed component is back
SCENARIO_TIMEOUT_S = 300.0
RECOVERY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Scenario:
    name: str
    act: Callable[[StackConfig], float]  # does the damage; returns the seconds until the component is back
    zero_errors: bool = True  # promised: no transfer fails once the client has retried it
    within_deadline: bool = False  # promised: no request outlives the gateway's deadline (plus a margin)


@dataclass
class Row:
    scenario: str
    requests: int = 0
    raw_failures: int = 0
    errors: int = 0
    unavailable_s: float = 0.0
    slowest_s: float = 0.0
    recovery_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def back_by_itself(cfg: StackConfig, name: str, ready: Callable[[], bool]) -> float:
    """kill -9 `name`; the seconds until supervisord has started it again and it is `ready`."""
    killed = processes.crash(cfg, name)
    started = time.monotonic()

    def back() -> bool:
        return processes.running_pid(cfg, name) not in (None, killed) and ready()

    processes.wait_until(back, RECOVERY_TIMEOUT_S, f"{name} to be back", log=processes.log_file(cfg, name))
    return time.monotonic() - started


def kill_replica(service: str) -> Callable[[StackConfig], float]:
    def act(cfg: StackConfig) -> float:
        replica = services.replica(cfg, service, 1)
        return back_by_itself(cfg, replica.name, lambda: services.serving(cfg, replica, ready=True))

    return act


def rolling_restart_of(*names: str) -> Callable[[StackConfig], float]:
    def act(cfg: StackConfig) -> float:
        started = time.monotonic()
        for service in names:
            rolling_restart.restart(cfg, service)
        return time.monotonic() - started

    return act


def restart_postgres(cfg: StackConfig) -> float:
    """Stopped (fast shutdown: sessions ended) and started again; the seconds until it accepts connections."""
    started = time.monotonic()
    processes.restart(cfg, postgres.NAME)
    processes.wait_until(lambda: postgres.is_ready(cfg), RECOVERY_TIMEOUT_S, "PostgreSQL to accept connections")
    return time.monotonic() - started


def crash_connect(cfg: StackConfig) -> float:
    name, _ = outbox_connector.definition()

    def running() -> bool:
        status = connect.connector_status(cfg, name) if connect.is_ready(cfg) else None
        return status is not None and all(p["state"] == "RUNNING" for p in [status["connector"], *status["tasks"]])

    return back_by_itself(cfg, connect.NAME, running)


def crash_clickhouse(cfg: StackConfig) -> float:
    return back_by_itself(cfg, clickhouse.NAME, lambda: clickhouse.is_ready(cfg))


SCENARIOS = [
    Scenario("kill -9 one Bank replica", kill_replica("bank")),
    Scenario("kill -9 one gateway replica", kill_replica("gateway")),
    Scenario("rolling restart, every service", rolling_restart_of(*SERVICES)),
    # Transfers fail while PostgreSQL is down (503), but fast, and their clients' retries get through once it is back.
    Scenario("PostgreSQL restart", restart_postgres, zero_errors=False, within_deadline=True),
    Scenario("kill -9 Kafka Connect", crash_connect),
    Scenario("kill -9 ClickHouse", crash_clickhouse),
]


async def run_scenario(
    cfg: StackConfig, scenario: Scenario, rate: float = RATE, pipeline: bool = True, settle_s: float = BEFORE_S
) -> Row:
    """The load for `settle_s`, the damage, `settle_s` more once the component is back; then the invariants
    (ClickHouse's too with `pipeline`)."""
    accounts, headers = await transfer_load.prepare(cfg)
    logged = proxy.access_log_size(cfg)
    stop = asyncio.Event()
    load = asyncio.create_task(transfer_load.run(cfg, accounts, headers, stop, rate))
    await asyncio.sleep(settle_s)
    try:
        recovery_s = await asyncio.to_thread(scenario.act, cfg)
        await asyncio.sleep(settle_s)
    finally:
        stop.set()
        report = await load
    row = Row(scenario.name, report.requests, report.raw_failures, report.errors, report.unavailable_s)
    row.slowest_s, row.recovery_s = proxy.slowest_request_s(cfg, logged), recovery_s
    opening = transfer_load.OPENING_BALANCE * len(accounts)
    row.problems = await invariants.check_postgres(cfg, accounts, opening, report.created)
    if pipeline:
        row.problems += await invariants.check_clickhouse(cfg, accounts)
    if scenario.zero_errors and report.errors:
        row.problems.append(f"{report.errors} client-visible errors")
    if scenario.within_deadline and row.slowest_s > transfer_load.HUNG_AFTER_S:
        row.problems.append(f"a request took {row.slowest_s:.1f}s")
    return row


async def run_all(cfg: StackConfig, scenarios: list[Scenario], rate: float) -> list[Row]:
    rows = []
    for scenario in scenarios:
        print(f"{scenario.name}…", flush=True)
        try:
            rows.append(await asyncio.wait_for(run_scenario(cfg, scenario, rate), SCENARIO_TIMEOUT_S))
        except (TimeoutError, processes.StackError) as error:
            rows.append(Row(scenario.name, problems=[str(error) or f"timed out after {SCENARIO_TIMEOUT_S:.0f}s"]))
        print(f"  {rows[-1].problems or 'ok'}", flush=True)
    return rows


def table(rows: list[Row]) -> str:
    header = ("scenario", "requests", "raw failures", "errors after retry", "503 s", "slowest s", "recovery s", "ok")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for r in rows:
        cells = (r.scenario, r.requests, r.raw_failures, r.errors, f"{r.unavailable_s:.1f}", f"{r.slowest_s:.2f}")
        lines.append(" | ".join(str(c) for c in (*cells, f"{r.recovery_s:.1f}", "yes" if r.ok else "NO")))
    return "\n".join(f"| {line} |" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.chaos", description=__doc__)
    parser.add_argument("--rate", type=float, default=RATE, help="transfers per second (default %(default)s)")
    names = [s.name for s in SCENARIOS]
    parser.add_argument("--only", action="append", choices=names, help="this scenario only (repeatable)")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    cfg = ephemeral_config(**replicas_each(2))
    started = time.monotonic()
    try:
        system.up(cfg, seed=False, gateway_settings=GATEWAY_SETTINGS)
        print(f"stack up in {time.monotonic() - started:.0f}s ({cfg.state_dir}); {args.rate:.0f} transfers/s")
        rows = asyncio.run(run_all(cfg, scenarios, args.rate))
    finally:
        system.down(cfg)
    print(table(rows))
    for row in rows:
        for problem in row.problems:
            print(f"{row.scenario}: {problem}")
    print(f"{time.monotonic() - started:.0f}s in all")
    if not all(row.ok for row in rows):
        print(f"the stack's logs: {processes.keep_logs(cfg)}")
    shutil.rmtree(cfg.state_dir, ignore_errors=True)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
