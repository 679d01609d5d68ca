"""Transfers per second and latency through the gateway, beside pgbench on the same PostgreSQL."""

import asyncio
import os
import random
import re
import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import httpx

from bank.seed import SeedUser, load_accounts, load_users
from stack.config import StackConfig

ACCOUNTS = 100
RICH = Decimal(1_000_000_000)
# The benchmarks' own user: it owns their accounts and sends their transfers.
BENCH_USER = SeedUser("bench", "bench-password-1")


@dataclass
class Run:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:32} {self.rate:9.1f} /s   p50 {self.percentile(50):7.2f} ms   "
            f"p99 {self.percentile(99):7.2f} ms   n={self.count} errors={self.errors}"
        )


async def create_rich_accounts(cfg: StackConfig) -> list[str]:
    ids = [uuid.UUID(f"00000000-0000-4000-8000-{i:012d}") for i in range(ACCOUNTS)]
    await load_users(cfg.database_url, [BENCH_USER])
    await load_accounts(cfg.database_url, [(i, RICH, "RUB") for i in ids], owner_id=BENCH_USER.id)
    return [str(i) for i in ids]


async def bench_user_headers(cfg: StackConfig) -> dict[str, str]:
    """Logs the benchmark's user in through the gateway: the Authorization header of its requests."""
    await load_users(cfg.database_url, [BENCH_USER])
    form = {"username": BENCH_USER.username, "password": BENCH_USER.password}
    async with httpx.AsyncClient(base_url=f"http://{cfg.host}:{cfg.gateway_port}", timeout=30) as client:
        reply = await client.post("/auth/token", data=form)
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def gateway_transfers(cfg: StackConfig, concurrency: int, seconds: float) -> Run:
    ids = await create_rich_accounts(cfg)
    url = f"http://{cfg.host}:{cfg.gateway_port}"
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = await bench_user_headers(cfg)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, headers=headers) as client:

        async def worker(seed: int, until: float, record: bool) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < until:
                sender, recipient = rng.sample(ids, 2)
                body = {"to_account_id": recipient, "amount": f"{rng.randint(1, 10000) / 100:.2f}", "currency": "RUB"}
                started = time.perf_counter()
                reply = await client.post(f"/accounts/{sender}/transfers", json=body)
                if not record:
                    continue
                if reply.status_code == 201:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        warmup = time.perf_counter() + 2
        await asyncio.gather(*(worker(i, warmup, False) for i in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(worker(100 + i, started + seconds, True) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Run(f"gateway POST /transfers (c={concurrency})", len(latencies), elapsed, latencies, errors)


def pgbench(cfg: StackConfig, concurrency: int, seconds: float) -> Run:
    """pgbench -N (simple update, no branch contention) as the application role, over TCP like the Bank."""
    env = {**os.environ, "PGPASSWORD": cfg.database_password}
    base = ["pgbench", "-h", cfg.host, "-p", str(cfg.pg_port), "-U", cfg.pg_user]
    subprocess.run([*base, "-i", "-q", "-s", "10", cfg.pg_database], env=env, check=True, capture_output=True)
    command = [*base, "-N", "-c", str(concurrency), "-j", "2", "-T", str(int(seconds)), "-r", cfg.pg_database]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    count = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))  # type: ignore[union-attr]
    # pgbench prints only the mean latency; p50/p99 are left as the mean for comparison.
    return Run(f"pgbench -N (c={concurrency})", count, count / tps, [latency])


def summary(app: Run, baseline: Run) -> str:
    """pgbench reports only a mean latency, so its line shows that instead of percentiles."""
    return "\n".join(
        [
            app.line(),
            f"{baseline.name:32} {baseline.rate:9.1f} /s   mean {baseline.latencies_ms[0]:7.2f} ms  n={baseline.count}",
            f"{'ratio gateway / pgbench':32} {app.rate / baseline.rate:9.3f}",
            f"{'mean latency (gateway)':32} {statistics.fmean(app.latencies_ms):9.2f} ms",
        ]
    )
