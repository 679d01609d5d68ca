"""Jaeger v2 (an OpenTelemetry collector distribution): the services' spans over OTLP gRPC, kept in memory, with its UI
and query API on cfg.jaeger_port. Built once from the Go module proxy and cached beside the Kafka jars."""

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from stack import processes
from stack.config import StackConfig
from stack.processes import StackError

NAME = "jaeger"
MODULE = "github.com/jaegertracing/jaeger"
VERSION = "v1.76.0"
START_TIMEOUT = 30.0
# A cold build (every module downloaded, ~1,000 packages compiled) takes minutes on two cores.
BUILD_TIMEOUT = 1800.0
# Traces kept in memory; the oldest go first. Plenty for a day of `make up` and a benchmark's sampled requests.
MAX_TRACES = 100_000
STORE = "memstore"
# The UI Jaeger serves: the Go module has no jaeger-ui assets (a git submodule, built with npm, released on GitHub:
# out of the stack's reach), so a small viewer of our own over the same query API (see its header).
UI_ASSETS = Path(__file__).resolve().parent / "templates" / "jaeger-ui"
_DONE = ".complete"


def binary_dir(cfg: StackConfig) -> Path:
    """Where the built program is cached: beside the jars (~/.cache/wallet/jaeger-v1.76.0/), shared by every stack."""
    return cfg.jars_dir.parent / f"jaeger-{VERSION}"


def binary(cfg: StackConfig) -> Path:
    return binary_dir(cfg) / "jaeger"


def ensure_binary(cfg: StackConfig) -> Path:
    """Build `jaeger` unless a complete build of VERSION is cached; returns its path."""
    folder = binary_dir(cfg)
    if (folder / _DONE).exists():
        return binary(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        # two `make up`s (or test sessions) at once build it once: the second waits, then finds it done
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / _DONE).exists():
            _build(folder)
            (folder / _DONE).touch()
    return binary(cfg)


def _build(folder: Path) -> None:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if go is None:
        raise StackError("go not found: Jaeger is built from its Go module (install Go 1.24 or later)")
    env = {**os.environ, "GOWORK": "off", "GOFLAGS": "-buildvcs=false"}
    # `go install …@v1.76.0` refuses a module whose go.mod has replace directives, so: fetch the module's source
    # (into the module cache, read-only), build a writable copy of it.
    downloaded = _go(go, ["mod", "download", "-json", f"{MODULE}@{VERSION}"], env, cwd=folder)
    source = Path(json.loads(downloaded)["Dir"])
    with tempfile.TemporaryDirectory(prefix="jaeger-src-", dir=folder) as temp:
        copy = Path(temp) / "src"
        shutil.copytree(source, copy)
        for path in [copy, *copy.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        partial = folder / "jaeger.partial"
        started = time.monotonic()
        _go(go, ["build", "-trimpath", "-o", str(partial), "./cmd/jaeger"], env, cwd=copy)
        partial.rename(folder / "jaeger")
        (folder / "build-seconds").write_text(f"{time.monotonic() - started:.0f}\n")


def _go(go: str, args: list[str], env: dict[str, str], cwd: Path) -> str:
    try:
        done = subprocess.run([go, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise StackError(f"go {' '.join(args)} took over {BUILD_TIMEOUT:.0f}s") from error
    if done.returncode != 0:
        raise StackError(f"go {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def config(cfg: StackConfig) -> dict[str, Any]:
    """Jaeger's collector config: OTLP gRPC in, a batch processor, memory storage, the query extension (UI, HTTP and
    gRPC APIs). Every port it opens is set here (none left to defaults, such as the collector's own telemetry on
    8888), so stacks on other ports (a test session beside `make up`) never clash."""
    host = cfg.host
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["jaeger_storage_exporter"]}
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                # Jaeger's own metrics (spans received, refused, exported…), scraped by Prometheus as job `jaeger`.
                "metrics": {
                    "level": "basic",
                    "readers": [
                        {"pull": {"exporter": {"prometheus": {"host": host, "port": cfg.jaeger_metrics_port}}}}
                    ],
                },
                "logs": {"level": "info"},
            },
        },
        "extensions": {
            "jaeger_storage": {"backends": {STORE: {"memory": {"max_traces": MAX_TRACES}}}},
            "jaeger_query": {
                "storage": {"traces": STORE},
                "ui": {"assets_path": str(UI_ASSETS)},
                # On by default in v2: it would trace its own queries, exported to OTLP's default localhost:4317,
                # which is `make up`'s Jaeger even for a test session's.
                "enable_tracing": False,
                "http": {"endpoint": f"{host}:{cfg.jaeger_port}"},
                "grpc": {"endpoint": f"{host}:{cfg.jaeger_grpc_port}"},
            },
        },
        # OTLP over gRPC only (what the services export); the HTTP receiver, Jaeger's and Zipkin's are left off.
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"{host}:{cfg.otlp_port}"}}}},
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": STORE}},
    }


def config_file(cfg: StackConfig) -> Path:
    return cfg.path(NAME, "config.yaml")


def write_config(cfg: StackConfig) -> Path:
    path = config_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by stack/jaeger.py from the stack's config; edits are overwritten\n"
                    + yaml.safe_dump(config(cfg), sort_keys=False))  # fmt: skip
    return path


def url(cfg: StackConfig) -> str:
    return f"http://{cfg.host}:{cfg.jaeger_port}"


def ui_url(cfg: StackConfig, service: str = "gateway") -> str:
    return f"{url(cfg)}/search?service={service}"


def services(cfg: StackConfig) -> list[str]:
    """The services Jaeger has spans of (its query API)."""
    resp = httpx.get(f"{url(cfg)}/api/services", timeout=5)
    resp.raise_for_status()
    return list(resp.json().get("data") or [])


def is_ready(cfg: StackConfig) -> bool:
    """The query API answers, and the OTLP receiver listens (it starts after the query extension)."""
    try:
        services(cfg)
    except httpx.HTTPError:
        return False
    return processes.port_open(cfg.host, cfg.otlp_port)


def start(cfg: StackConfig) -> None:
    """Start Jaeger unless it runs (building it first if needed) and wait until it answers its query API."""
    if processes.running_pid(cfg, NAME) is None:
        for port in (cfg.jaeger_port, cfg.otlp_port):
            if processes.port_open(cfg.host, port):
                raise StackError(f"port {port} is in use by another program")
        program = ensure_binary(cfg)
        processes.spawn(cfg, NAME, [str(program), "--config", str(write_config(cfg))])
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), START_TIMEOUT, "Jaeger's query API")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)


if __name__ == "__main__":
    # `python -m stack.jaeger`: build (once) and print the binary's path; `make test` runs it before pytest, whose
    # 300 s timeout per test (fixtures included) a cold build would exceed.
    print(ensure_binary(StackConfig()))
