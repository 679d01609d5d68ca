"""What the benchmarks share: their user (who owns their accounts) and a run of latencies."""

from dataclasses import dataclass
from decimal import Decimal

import httpx

from bank.seed import SeedUser, load_users
from stack.config import StackConfig

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


async def bench_user_headers(cfg: StackConfig) -> dict[str, str]:
    """Logs the benchmark's user in through the gateway: the Authorization header of its requests."""
    await load_users(cfg.database_url, [BENCH_USER])
    form = {"username": BENCH_USER.username, "password": BENCH_USER.password}
    async with httpx.AsyncClient(base_url=f"http://{cfg.host}:{cfg.gateway_port}", timeout=30) as client:
        reply = await client.post("/auth/token", data=form)
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}
