"""Debian's ClickHouse server (18.16) run as a plain process with its files in the state folder."""

import hashlib
from pathlib import Path
from string import Template

import httpx

from stack import processes
from stack.config import StackConfig
from stack.packages import ensure_debian_packages
from stack.processes import StackError

NAME = "clickhouse"
SERVER = Path("/usr/sbin/clickhouse-server")
TEMPLATES = Path(__file__).resolve().parent / "templates"
START_TIMEOUT = 30.0
# With Kafka tables the server waits for each consumer to leave its group: 10-15 s measured.
STOP_TIMEOUT = 45.0
SECRET = "clickhouse_password"


def ensure_installed() -> None:
    ensure_debian_packages(SERVER, "clickhouse-server", "clickhouse-client")


def config_file(cfg: StackConfig) -> Path:
    return cfg.path(NAME, "config.xml")


def write_config(cfg: StackConfig) -> Path:
    """Render the committed templates into the state folder; returns the server config path."""
    root = cfg.path(NAME)
    for sub in ("data/tmp", "data/user_files", "data/format_schemas", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    users = root / "users.xml"
    password_sha256 = hashlib.sha256(password(cfg).encode()).hexdigest()
    users.write_text(Template((TEMPLATES / "users.xml").read_text()).substitute(password_sha256=password_sha256))
    text = Template((TEMPLATES / "clickhouse-config.xml").read_text()).substitute(
        host=cfg.host,
        http_port=cfg.clickhouse_http_port,
        tcp_port=cfg.clickhouse_tcp_port,
        data=root / "data",
        logs=root / "logs",
        users_config=users,
    )
    config_file(cfg).write_text(text)
    return config_file(cfg)


def password(cfg: StackConfig) -> str:
    """The `default` user's password: the stack's secret."""
    return cfg.secret(SECRET)


def url(cfg: StackConfig) -> str:
    return f"http://{cfg.host}:{cfg.clickhouse_http_port}/"


def is_ready(cfg: StackConfig) -> bool:
    """The HTTP interface answers /ping with "Ok."."""
    try:
        return httpx.get(url(cfg) + "ping", timeout=1).text.strip() == "Ok."
    except httpx.HTTPError:
        return False


def query(cfg: StackConfig, sql: str, timeout: float = 30) -> str:
    """Run one statement over HTTP; return the body, or raise StackError with the server's text."""
    resp = httpx.post(url(cfg), content=sql.encode(), timeout=timeout, auth=("default", password(cfg)))
    if resp.status_code != 200:
        raise StackError(f"ClickHouse rejected {sql[:200]!r}: {resp.text.strip()}")
    return resp.text


def start(cfg: StackConfig) -> None:
    """Start the server unless it runs, and wait until it answers /ping."""
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.clickhouse_http_port):
            raise StackError(f"port {cfg.clickhouse_http_port} is in use by another program")
        ensure_installed()
        config = write_config(cfg)
        argv = [str(SERVER), f"--config-file={config}"]  # in the foreground: 18.16 daemonizes only with --daemon
        processes.spawn(cfg, NAME, argv, cwd=cfg.path(NAME), stop_timeout=STOP_TIMEOUT)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), START_TIMEOUT, "ClickHouse /ping")


def stop(cfg: StackConfig) -> bool:
    return processes.stop(cfg, NAME)
