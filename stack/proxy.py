"""nginx from Debian in front of the gateway replicas: the REST API's one address (cfg.gateway_port)."""

import os
import re
import signal
import subprocess
from collections.abc import Collection
from pathlib import Path
from string import Template

from stack import processes, services
from stack.config import StackConfig
from stack.packages import ensure_debian_packages
from stack.processes import StackError

NAME = "proxy"
NGINX = Path("/usr/sbin/nginx")
TEMPLATE = Path(__file__).resolve().parent / "templates" / "nginx.conf"
# Passive health: a replica that refused a connection or did not answer in time gets no requests for this long, then
# one request tries it again.
FAIL_TIMEOUT_S = 2
# A reload lets the old workers finish what they serve (a request lasts at most the gateway's 5 s deadline).
RELOAD_TIMEOUT_S = 30.0


def ensure_installed() -> None:
    ensure_debian_packages(NGINX, "nginx")


def url(cfg: StackConfig) -> str:
    return services.gateway_url(cfg, cfg.gateway_port)


def config_file(cfg: StackConfig) -> Path:
    return cfg.path(NAME, "nginx.conf")


def access_log(cfg: StackConfig) -> Path:
    """Each request: status, time, the replica(s) it went to, the gateway's X-Request-ID."""
    return cfg.logs_dir / "proxy-access.log"


_REQUEST_TIME = re.compile(r'" \d{3} \d+ ([\d.]+) upstream=')


def access_log_size(cfg: StackConfig) -> int:
    try:
        return access_log(cfg).stat().st_size
    except FileNotFoundError:
        return 0


def slowest_request_s(cfg: StackConfig, since: int = 0) -> float:
    """The longest a request took, as nginx timed it (from its first byte in to its answer's last byte out), among
    those logged after byte `since` of the access log (see access_log_size())."""
    with access_log(cfg).open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return max((float(match[1]) for match in _REQUEST_TIME.finditer(text)), default=0.0)


def render(cfg: StackConfig, resting: Collection[int] = ()) -> str:
    """nginx.conf with every gateway replica as an upstream; those on a `resting` port are marked down."""
    servers = "\n".join(
        f"        server {cfg.host}:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s{' down' * (port in resting)};"
        for port in cfg.replica_ports("gateway")
    )
    return Template(TEMPLATE.read_text()).substitute(
        pid_file=cfg.path(NAME, "nginx.pid"),
        access_log=access_log(cfg),
        temp=cfg.path(NAME, "temp"),
        servers=servers,
        listen=f"{cfg.host}:{cfg.gateway_port}",
    )


def write_config(cfg: StackConfig, resting: Collection[int] = ()) -> bool:
    """Write nginx.conf (see render()) and check it with nginx -t; True if it changed."""
    cfg.path(NAME, "temp").mkdir(parents=True, exist_ok=True)
    cfg.logs_dir.mkdir(parents=True, exist_ok=True)
    text = render(cfg, resting)
    file = config_file(cfg)
    if file.exists() and file.read_text() == text:
        return False
    file.write_text(text)
    checked = subprocess.run(_argv(cfg, "-t", "-q"), capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise StackError(f"nginx refused {file}:\n{checked.stderr}")
    return True


def _argv(cfg: StackConfig, *extra: str) -> list[str]:
    # -e: its own error log from the start, before it reads the config (else it opens /var/log/nginx/error.log)
    return [str(NGINX), "-p", str(cfg.path(NAME)), "-c", str(config_file(cfg)), "-e", "stderr", *extra]


def is_ready(cfg: StackConfig) -> bool:
    """The proxy answers, and through it a gateway replica."""
    return services.http_ok(f"{url(cfg)}/health/live")


def start(cfg: StackConfig) -> None:
    """Start nginx unless it runs (then reload it if the replicas changed), and wait until a gateway answers
    through it."""
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.gateway_port):
            raise StackError(f"port {cfg.gateway_port} is in use by another program")
        ensure_installed()
        write_config(cfg)
        # SIGQUIT is nginx's graceful shutdown: requests being served are finished first.
        processes.spawn(cfg, NAME, _argv(cfg), stop_signal=signal.SIGQUIT)
    elif write_config(cfg):
        reload(cfg)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), 20, "a gateway through the proxy")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)


def rest(cfg: StackConfig, resting: Collection[int]) -> None:
    """Send no more requests to the gateway replicas on the `resting` ports (none: to every replica again); returns
    once the workers of the previous configuration have finished their requests and exited."""
    if write_config(cfg, resting):
        reload(cfg)


def reload(cfg: StackConfig) -> None:
    """nginx's graceful reload (SIGHUP): new workers with the new config; the old ones finish their requests, close
    their idle connections, and exit. Returns once they have."""
    master = processes.running_pid(cfg, NAME)
    if master is None:
        raise StackError("the proxy does not run")
    old = processes.children(master)
    os.kill(master, signal.SIGHUP)

    def reloaded() -> bool:
        workers = processes.children(master)
        return bool(workers) and not workers & old

    log = processes.log_file(cfg, NAME)
    processes.wait_until(reloaded, RELOAD_TIMEOUT_S, "the proxy's old workers to exit", log=log)
