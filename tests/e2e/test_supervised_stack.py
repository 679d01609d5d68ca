"""Every process of the stack is a child of its supervisord and is the component itself, never a wrapper that could
die and leave the component running unseen."""

import sys
from pathlib import Path

import pytest

from stack import clickhouse, jaeger, postgres, processes, proxy, redis
from stack import prometheus as prometheus_server
from stack.config import StackConfig

pytestmark = pytest.mark.native  # supervisord's programs

PROGRAMS = {
    "postgres": str(postgres.PG_BIN / "postgres"),
    "kafka": "java",
    "connect": "java",
    "clickhouse": str(clickhouse.SERVER),
    "redis": str(redis.SERVER),
    "bank-1": sys.executable,
    "card_adapter-1": sys.executable,
    "analytics-1": sys.executable,
    "gateway-1": sys.executable,
    proxy.NAME: str(proxy.NGINX),
    jaeger.NAME: str(jaeger.binary(StackConfig())),
    prometheus_server.NAME: str(prometheus_server.PROMETHEUS),
}


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_every_component_runs_in_the_foreground_under_supervisord(
    pipeline: StackConfig,
    gateway_url: str,
    card_adapter_service: StackConfig,
    analytics_service: StackConfig,
    prometheus: StackConfig,
) -> None:
    supervisord = processes.supervisord_pid(pipeline)
    status = {p.name: p for p in processes.status(pipeline)}
    for name, program in PROGRAMS.items():
        pid = status[name].pid
        # STARTING: serving already, within supervisord's first second (startsecs)
        assert pid is not None and status[name].state in processes.ALIVE, status[name]
        assert _parent(pid) == supervisord, name
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        # redis-server retitles itself "<path> <host>:<port>", nginx "nginx: master process <path> <arguments>"
        retitled = argv0.startswith(f"{program} ") or argv0.startswith(f"nginx: master process {program} ")
        assert argv0 == program or retitled or Path(argv0).name == program, (name, argv0)
