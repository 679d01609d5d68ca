"""The compiled load generators the benchmarks drive, so that no Python client competes for the 2 cores: wrk (Debian)
for HTTP, ghz (built once from the Go module proxy, cached like the Kafka jars) for gRPC, pgbench for PostgreSQL."""

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from loadtests import cpu_usage
from stack import certificates
from stack.config import REPO_ROOT, StackConfig
from stack.packages import ensure_debian_packages

GHZ = "github.com/bojand/ghz/cmd/ghz@v0.120.0"
BIN = Path.home() / ".cache" / "wallet" / "bin"
WRK_SCRIPT = Path(__file__).parent / "scripts" / "transfers.lua"
# The bench accounts are ACCOUNT_PREFIX + two digits, 10 to 99, so that ghz's templates can name them.
ACCOUNT_PREFIX = "00000000-0000-4000-8000-0000000000"
BENCH_ACCOUNTS = [f"{ACCOUNT_PREFIX}{i}" for i in range(10, 100)]


@dataclass(frozen=True)
class Result:
    name: str
    rate: float
    p50_ms: float
    p99_ms: float
    count: int
    errors: int
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds each process used during the run

    def line(self) -> str:
        line = (
            f"{self.name:40} {self.rate:9.1f} /s   p50 {self.p50_ms:7.2f} ms   p99 {self.p99_ms:7.2f} ms   "
            f"n={self.count} errors={self.errors}"
        )
        return f"{line}\n{cpu_usage.per_request_line(self.cpu_s, self.count)}" if self.cpu_s else line


def wrk_binary() -> str:
    ensure_debian_packages(Path("/usr/bin/wrk"), "wrk")
    return "/usr/bin/wrk"


def ghz_binary() -> Path:
    ghz = BIN / "ghz"
    if not ghz.exists():
        BIN.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GOBIN": str(BIN), "GOFLAGS": "-mod=mod"}
        subprocess.run(["go", "install", GHZ], env=env, check=True, capture_output=True, cwd=BIN)
    return ghz


def wrk(
    name: str, url: str, token: str, accounts: list[str], concurrency: int, seconds: float, hot_sender: str = ""
) -> Result:
    """POST /transfers through the gateway: `concurrency` connections on 2 threads for `seconds`."""
    env = {**os.environ, "WALLET_TOKEN": token, "WALLET_ACCOUNTS": ",".join(accounts)}
    if hot_sender:
        env["WALLET_HOT_SENDER"] = hot_sender
    argv = [wrk_binary(), "-t", "2", "-c", str(concurrency), "-d", f"{int(seconds)}s", "-s", str(WRK_SCRIPT), url]
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    return Result(
        name,
        report["requests"] / report["seconds"],
        report["p50_ms"],
        report["p99_ms"],
        report["requests"],
        report["errors"] + report["non_2xx"],
    )


def ghz(name: str, cfg: StackConfig, subject: str, concurrency: int, seconds: float, hot_sender: str = "") -> Result:
    """TransferMoney on the Bank directly (mutual TLS with the stack's certificate, the user in metadata), between
    the bench accounts: senders ACCOUNT_PREFIX + 10..54 (or only `hot_sender`), recipients + 55..99."""
    tls = certificates.identity(cfg, "stack")
    data = {
        "from_account_id": hot_sender or ACCOUNT_PREFIX + "{{randomInt 10 55}}",
        "to_account_id": ACCOUNT_PREFIX + "{{randomInt 55 100}}",
        "amount": "{{randomInt 1 99}}.00",
        "currency": "RUB",
    }
    argv = [
        str(ghz_binary()),
        "--proto", str(REPO_ROOT / "contracts" / "bank.proto"),
        "--import-paths", str(REPO_ROOT / "contracts"),
        "--call", "wallet.bank.v1.BankService/TransferMoney",
        "--cacert", str(tls.ca_file), "--cert", str(tls.cert_file), "--key", str(tls.key_file),
        "--cname", "bank",
        "--metadata", json.dumps({"x-wallet-subject": subject, "x-wallet-role": "customer"}),
        "--data", json.dumps(data),
        "--concurrency", str(concurrency), "--connections", "2",
        "--duration", f"{int(seconds)}s", "--duration-stop", "wait", "--format", "json", "--skipFirst", "50",
        f"{cfg.host}:{cfg.bank_port}",
    ]  # fmt: skip
    out = subprocess.run(argv, check=False, capture_output=True, text=True)
    report = json.loads(out.stdout)
    percentiles = {p["percentage"]: p["latency"] / 1e6 for p in report.get("latencyDistribution") or []}
    errors = sum(n for status, n in report.get("statusCodeDistribution", {}).items() if status != "OK")
    if errors:
        print(f"  {name}: {report.get('statusCodeDistribution')} {list(report.get('errorDistribution', {}))[:3]}")
    return Result(name, report["rps"], percentiles.get(50, 0.0), percentiles.get(99, 0.0), report["count"], errors)


def pgbench(cfg: StackConfig, concurrency: int, seconds: float) -> Result:
    """pgbench -N (simple update, no branch contention) as the application role, over TCP like the Bank."""
    env = {**os.environ, "PGPASSWORD": cfg.database_password}
    base = ["pgbench", "-h", cfg.host, "-p", str(cfg.pg_port), "-U", cfg.pg_user]
    subprocess.run([*base, "-i", "-q", "-s", "10", cfg.pg_database], env=env, check=True, capture_output=True)
    command = [*base, "-N", "-c", str(concurrency), "-j", "2", "-T", str(int(seconds)), cfg.pg_database]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    tps = float(_number(r"tps = ([\d.]+)", out))
    latency = float(_number(r"latency average = ([\d.]+) ms", out))
    count = int(_number(r"number of transactions actually processed: (\d+)", out))
    # pgbench prints a mean latency only; it stands in for both percentiles.
    return Result(f"pgbench -N (c={concurrency})", tps, latency, latency, count, 0)


def _number(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"no {pattern!r} in:\n{text}")
    return found.group(1)
