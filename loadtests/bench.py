"""`make bench`: a private stack on free ports, every hop measured with a compiled load generator in one run, the
ratios against pgbench printed, the figures written to loadtests/results/latest.json, CPU profiles beside them."""

import argparse
import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bank.seed import load_accounts
from loadtests import cpu_usage, history, ledger_cost, pipeline_lag
from loadtests import load_generators as generators
from loadtests.load_generators import BENCH_ACCOUNTS, Result
from loadtests.transfers import BENCH_USER, RICH, bench_user_headers
from stack import processes, services, system
from stack.config import SERVICES, StackConfig, ephemeral_config, replicas_each

RESULTS = Path(__file__).parent / "results"
PY_SPY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"


@contextmanager
def profiled(cfg: StackConfig, name: str, seconds: float) -> Iterator[None]:
    """A py-spy flame graph of service `name`'s first replica while the block runs: RESULTS/<name>.svg."""
    pid = processes.running_pid(cfg, services.replica_names(cfg, name)[0])
    argv = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200"]
    argv += ["--nonblocking", "--format", "flamegraph", "-o", str(RESULTS / f"{name}.svg")]
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 30)


def with_cpu(cfg: StackConfig, run: Callable[[], Result]) -> Result:
    """The run, with the CPU time each process of the stack (and the load generator) spent on it."""
    with cpu_usage.cpu_used(cfg) as used:
        result = run()
    return dataclasses.replace(result, cpu_s=used)


def measure(cfg: StackConfig, concurrency: int, seconds: float) -> dict[str, Any]:
    token = asyncio.run(bench_user_headers(cfg))["Authorization"].removeprefix("Bearer ")  # creates the user
    asyncio.run(load_accounts(cfg.database_url, [(uuid.UUID(a), RICH, "RUB") for a in BENCH_ACCOUNTS], BENCH_USER.id))
    url = f"http://{cfg.host}:{cfg.gateway_port}"
    subject = str(BENCH_USER.id)
    hot_sender = BENCH_ACCOUNTS[0]
    runs: dict[str, Any] = {}
    # Lag first, while the pipeline has no backlog from the throughput runs.
    runs["lag"] = asyncio.run(pipeline_lag.transfer_to_history_lag(cfg, rate_per_s=200, seconds=20))
    c = concurrency

    def bank(name: str, sender: str = "") -> Result:
        return with_cpu(cfg, lambda: generators.ghz(name, cfg, subject, c, seconds, sender))

    def gateway(name: str, connections: int = c, sender: str = "") -> Result:
        return with_cpu(cfg, lambda: generators.wrk(name, url, token, BENCH_ACCOUNTS, connections, seconds, sender))

    runs["pgbench"] = generators.pgbench(cfg, c, seconds)
    # The cost of the ledger's entries: the transfer statement with and without them, in turns (loadtests/ledger_cost).
    runs["ledger"] = asyncio.run(ledger_cost.measure(cfg, c, seconds / 2))
    with profiled(cfg, "bank", seconds):
        runs["bank"] = bank(f"bank TransferMoney (c={c})")
    runs["bank_hot"] = bank(f"bank, one hot sender (c={c})", hot_sender)
    with profiled(cfg, "gateway", seconds):
        runs["gateway"] = gateway(f"gateway POST /transfers (c={c})")
    runs["hot"] = gateway(f"gateway, one hot sender (c={c})", sender=hot_sender)
    runs["gateway_64"] = gateway("gateway POST /transfers (c=64)", 64)
    runs["history"] = asyncio.run(history.get_operations_latency(cfg))
    # The cost of tracing: the same run with every new trace kept (the stack's default, as above), then none.
    runs["traced"] = gateway(f"gateway, tracing sampled 100 % (c={c})")
    restart_services(cfg.model_copy(update={"trace_sample_ratio": 0.0}))
    runs["untraced"] = gateway(f"gateway, tracing sampled 0 % (c={c})")
    return runs


def restart_services(cfg: StackConfig) -> None:
    """Every replica of every service started again with `cfg`'s settings (e.g. another trace sampling ratio)."""
    for service in SERVICES:
        services.stop_replicas(cfg, service)
    services.start_services(cfg, {service: {} for service in SERVICES})


def report(runs: dict, concurrency: int) -> dict[str, float]:
    pg, bank, gateway, hot = (runs[k] for k in ("pgbench", "bank", "gateway", "hot"))
    to_kafka, to_clickhouse, lag = runs["lag"]
    # The target's shapes: a first page and a random-depth page (of 50).
    history_p99 = max(
        run.percentile(99) for run in runs["history"] if run.name in ("first page 50", "random depth, page 50")
    )
    figures = {
        "concurrency": concurrency,
        "pgbench_tps": round(pg.rate, 1),
        "bank_tps": round(bank.rate, 1),
        "bank_ratio": round(bank.rate / pg.rate, 3),
        "bank_p99_ms": round(bank.p99_ms, 2),
        "gateway_tps": round(gateway.rate, 1),
        "gateway_ratio": round(gateway.rate / pg.rate, 3),
        "gateway_p50_ms": round(gateway.p50_ms, 2),
        "gateway_p99_ms": round(gateway.p99_ms, 2),
        "gateway_errors": gateway.errors,
        "gateway_64_tps": round(runs["gateway_64"].rate, 1),
        "gateway_64_p99_ms": round(runs["gateway_64"].p99_ms, 2),
        "hot_account_tps": round(hot.rate, 1),
        "bank_hot_account_tps": round(runs["bank_hot"].rate, 1),
        "lag_p50_ms": round(lag.percentile(50), 1),
        "lag_p99_ms": round(lag.percentile(99), 1),
        "lag_kafka_p99_ms": round(to_kafka.percentile(99), 1),
        "lag_clickhouse_p99_ms": round(to_clickhouse.percentile(99), 1),
        "history_p99_ms": round(history_p99, 2),
        "gateway_traced_tps": round(runs["traced"].rate, 1),
        "gateway_untraced_tps": round(runs["untraced"].rate, 1),
        "tracing_cost_ratio": round(runs["traced"].rate / runs["untraced"].rate, 3),
        "statement_with_entries_tps": round(runs["ledger"]["with"].rate, 1),
        "statement_without_entries_tps": round(runs["ledger"]["without"].rate, 1),
        "entries_cost_ratio": round(runs["ledger"]["with"].rate / runs["ledger"]["without"].rate, 3),
    }
    lines = [
        *(runs[k].line() for k in ("pgbench", "bank", "bank_hot", "gateway", "gateway_64", "hot")),
        f"{'ratio bank / pgbench':40} {figures['bank_ratio']:9.3f}   (target >= 0.5)",
        f"{'ratio gateway / pgbench':40} {figures['gateway_ratio']:9.3f}   (target >= 0.25, p99 <= 50 ms)",
        f"{'one hot sender, gateway / bank':40} {figures['hot_account_tps']:9.1f} /s / "
        f"{figures['bank_hot_account_tps']:.1f} /s (target >= 500)",
        to_kafka.line(),
        to_clickhouse.line(),
        lag.line() + "   (target p99 <= 1000 ms)",
        history.summary(runs["history"]),
        runs["traced"].line(),
        runs["untraced"].line(),
        f"{'tracing at 100 % / at 0 %':40} {figures['tracing_cost_ratio']:9.3f}   (throughput kept when every "
        "request is traced)",
    ]
    print("\n".join(lines))
    ledger_cost.report(runs["ledger"])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    # One process of each service (behind the proxy), so that each hop's figures stay comparable from run to run.
    cfg = ephemeral_config(**replicas_each(1))
    # One user sends every benchmark transfer: its per-user limit must not be what is measured.
    os.environ["GATEWAY_RATE_LIMIT_MONEY"] = "1000000/second"
    try:
        system.up(cfg)
        print(f"stack up in {cfg.state_dir}; concurrency {args.concurrency}, {args.seconds:.0f}s per run, 2 cores\n")
        figures = report(measure(cfg, args.concurrency, args.seconds), args.concurrency)
        (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures in {RESULTS / 'latest.json'}; flame graphs {RESULTS / 'bank.svg'}, {RESULTS / 'gateway.svg'}")
    finally:
        system.down(cfg)
        shutil.rmtree(cfg.state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
