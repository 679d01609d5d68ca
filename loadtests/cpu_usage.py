"""Where the CPU goes during a run: CPU time of each of the stack's processes (with their children, e.g. PostgreSQL's
backends) and of the load generator, divided by the requests the run made. On 2 cores, this is what bounds a hop."""

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stack import processes
from stack.config import StackConfig

COMPONENTS = ("proxy", "gateway", "bank", "postgres", "redis", "connect", "kafka", "clickhouse", "analytics")
LOAD_GENERATOR = "load generator"
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime


def _tree_cpu_s(pid: int, tree: dict[int, list[int]]) -> float:
    return _cpu_s(pid) + sum(_tree_cpu_s(child, tree) for child in tree.get(pid, []))


def _component(program: str) -> str:
    """A replica counts as its service: bank-2 -> bank."""
    service, _, index = program.rpartition("-")
    return service if service and index.isdigit() else program


def snapshot(cfg: StackConfig) -> dict[str, float]:
    tree = _children()
    used: dict[str, float] = {}
    for program in processes.status(cfg):
        if program.pid and (component := _component(program.name)) in COMPONENTS:
            used[component] = used.get(component, 0.0) + _tree_cpu_s(program.pid, tree)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the load generators this process ran and waited for
    return used | {LOAD_GENERATOR: children.ru_utime + children.ru_stime}


@contextmanager
def cpu_used(cfg: StackConfig) -> Iterator[dict[str, float]]:
    """Fills the yielded dict, when the block ends, with the CPU seconds each process used during it."""
    used: dict[str, float] = {}
    before = snapshot(cfg)
    yield used
    after = snapshot(cfg)
    used.update({name: after[name] - before.get(name, 0.0) for name in after})


def per_request_line(used: dict[str, float], requests: int) -> str:
    """CPU milliseconds per request, by process, largest first."""
    parts = [f"{name} {seconds * 1000 / requests:.2f}" for name, seconds in sorted(used.items(), key=lambda i: -i[1])]
    total = sum(used.values()) * 1000 / requests
    return f"  CPU ms per request: {', '.join(p for p in parts if not p.endswith(' 0.00'))}; total {total:.2f}"
