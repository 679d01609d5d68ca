"""Redis from Debian as a plain process: the gateways' shared rate-limit counters (nothing durable)."""

import subprocess
from pathlib import Path

from stack import processes
from stack.config import StackConfig
from stack.packages import ensure_debian_packages
from stack.processes import StackError

NAME = "redis"
SERVER = Path("/usr/bin/redis-server")
SECRET = "redis_password"


def ensure_installed() -> None:
    ensure_debian_packages(SERVER, "redis-server")


def url(cfg: StackConfig) -> str:
    """Where the gateways keep their counters, password included (a secret)."""
    return f"redis://:{cfg.secret(SECRET)}@{cfg.host}:{cfg.redis_port}/0"


def is_ready(cfg: StackConfig) -> bool:
    probe = subprocess.run(
        ["redis-cli", "-h", cfg.host, "-p", str(cfg.redis_port), "--no-auth-warning", "-a", cfg.secret(SECRET), "ping"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() == "PONG"


def start(cfg: StackConfig) -> None:
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.redis_port):
            raise StackError(f"port {cfg.redis_port} is in use by another program")
        ensure_installed()
        data = cfg.path(NAME)
        data.mkdir(parents=True, exist_ok=True)
        # Counters only: no snapshots, no append-only file; a restart forgets the current windows.
        config = f"port {cfg.redis_port}\nbind {cfg.host}\nsave ''\nappendonly no\ndir {data}\n"
        config += f"requirepass {cfg.secret(SECRET)}\n"
        conf = data / "redis.conf"
        conf.touch(mode=0o600)
        conf.write_text(config)
        processes.spawn(cfg, NAME, [str(SERVER), str(conf)])
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), 20, "Redis PING")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)
