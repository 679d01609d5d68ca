"""Prometheus from Debian, scraping every replica of every service, Kafka Connect's JMX exporter, Jaeger and itself;
its config (prometheus.yml) is generated from the StackConfig."""

import signal
from pathlib import Path
from typing import Any

import httpx
import yaml

from stack import jaeger, processes, services
from stack.config import REPO_ROOT, SERVICES, StackConfig
from stack.packages import ensure_debian_packages
from stack.processes import StackError

NAME = "prometheus"
PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")  # from the same package
# The alert rules (monitoring/); loaded when the file exists.
RULES = REPO_ROOT / "monitoring" / "alerts.yml"
# Every 5 s (Prometheus's default is 1 min): the stack is small (a dozen targets, a few thousand series), and the
# alerts and tests need fresh samples: a rate() over 30 s has six points, a replica killed by `make chaos` shows as
# down within seconds, and a test of "every target up" waits one interval at most, not a minute.
SCRAPE_INTERVAL = "5s"
# Short: it is the operator's view of the last hours, not an archive (the state folder stays small).
RETENTION = "2d"
START_TIMEOUT = 30.0


def ensure_installed() -> None:
    """Debian's `prometheus` package (Prometheus and promtool); its own daemon is never started (see packages.py)."""
    ensure_debian_packages(PROMETHEUS, "prometheus")


def promtool_path() -> Path:
    """promtool, installed if missing: `promtool check rules` / `promtool test rules` for monitoring/."""
    ensure_installed()
    return PROMTOOL


def url(cfg: StackConfig) -> str:
    return f"http://{cfg.host}:{cfg.prometheus_port}"


def targets(cfg: StackConfig) -> dict[str, list[tuple[str, str]]]:
    """Each scrape job and its targets, (replica label, host:port): one per replica of each service (a gRPC replica
    on its metrics port, a gateway on its own port), Connect's JMX exporter, Jaeger's own metrics, Prometheus."""
    jobs: dict[str, list[tuple[str, str]]] = {}
    for service in SERVICES:
        replicas = zip(services.replica_names(cfg, service), cfg.metrics_ports(service), strict=True)
        jobs[service] = [(name, f"{cfg.host}:{port}") for name, port in replicas]
    jobs["connect"] = [("connect", f"{cfg.host}:{cfg.connect_metrics_port}")]
    jobs["jaeger"] = [(jaeger.NAME, f"{cfg.host}:{cfg.jaeger_metrics_port}")]
    jobs["prometheus"] = [(NAME, f"{cfg.host}:{cfg.prometheus_port}")]
    return jobs


def config(cfg: StackConfig) -> dict[str, Any]:
    """prometheus.yml as a document (see targets())."""
    document: dict[str, Any] = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL, "scrape_timeout": "4s"},
    }
    if RULES.exists():
        document["rule_files"] = [str(RULES)]
    document["scrape_configs"] = [
        {
            "job_name": job,
            "static_configs": [{"targets": [address], "labels": {"replica": replica}} for replica, address in each],
        }
        for job, each in targets(cfg).items()
    ]
    return document


def render(cfg: StackConfig) -> str:
    header = (
        "# Written by stack/prometheus.py from the stack's config at each start; edits are overwritten.\n"
        f"# scrape_interval {SCRAPE_INTERVAL}: the stack is small and its alerts and tests want fresh samples\n"
        "# (a rate() over 30 s has six points; a target that died shows as down within seconds).\n"
    )
    return header + yaml.safe_dump(config(cfg), sort_keys=False)


def config_file(cfg: StackConfig) -> Path:
    return cfg.path(NAME, "prometheus.yml")


def write_config(cfg: StackConfig) -> bool:
    """Write prometheus.yml; True if it changed."""
    file = config_file(cfg)
    file.parent.mkdir(parents=True, exist_ok=True)
    text = render(cfg)
    if file.exists() and file.read_text() == text:
        return False
    file.write_text(text)
    return True


def argv(cfg: StackConfig) -> list[str]:
    return [
        str(PROMETHEUS),
        f"--config.file={config_file(cfg)}",
        f"--storage.tsdb.path={cfg.path(NAME, 'data')}",
        f"--storage.tsdb.retention.time={RETENTION}",
        f"--web.listen-address={cfg.host}:{cfg.prometheus_port}",
        # POST /-/reload (a new config, e.g. once monitoring/alerts.yml exists) and /-/quit
        "--web.enable-lifecycle",
    ]


def is_ready(cfg: StackConfig) -> bool:
    try:
        return httpx.get(f"{url(cfg)}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start(cfg: StackConfig) -> None:
    """Start Prometheus unless it runs (then reload it if its config changed) and wait until it is ready."""
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.prometheus_port):
            raise StackError(f"port {cfg.prometheus_port} is in use by another program")
        ensure_installed()
        write_config(cfg)
        processes.spawn(cfg, NAME, argv(cfg), stop_signal=signal.SIGTERM)
    elif write_config(cfg):
        reload(cfg)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), START_TIMEOUT, "Prometheus /-/ready")


def reload(cfg: StackConfig) -> None:
    """Have the running Prometheus read its config (and rule files) again."""
    resp = httpx.post(f"{url(cfg)}/-/reload", timeout=30)
    if resp.status_code != 200:
        raise StackError(f"Prometheus refused its config: {resp.status_code} {resp.text}")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)


def active_targets(cfg: StackConfig) -> list[dict[str, Any]]:
    """GET /api/v1/targets: each target's labels, health (up, down, unknown before its first scrape), last error."""
    resp = httpx.get(f"{url(cfg)}/api/v1/targets", params={"state": "active"}, timeout=5)
    resp.raise_for_status()
    return list(resp.json()["data"]["activeTargets"])


def query(cfg: StackConfig, promql: str) -> list[dict[str, Any]]:
    """An instant query's result vector (GET /api/v1/query)."""
    resp = httpx.get(f"{url(cfg)}/api/v1/query", params={"query": promql}, timeout=10)
    resp.raise_for_status()
    body = resp.json()
    if body.get("status") != "success":
        raise StackError(f"query {promql!r} failed: {body}")
    return list(body["data"]["result"])
