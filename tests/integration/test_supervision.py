"""The stack's supervisord, for real: a killed process comes back by itself, a stopped one stays down, and what it
watches is the process itself (PostgreSQL's postmaster, not a wrapper)."""

import contextlib
import os
import pwd
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack import postgres, processes
from stack.config import StackConfig, ephemeral_config

SLEEP = ["sleep", "600"]


def _argv(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _state(cfg: StackConfig, name: str) -> str:
    return {p.name: p.state for p in processes.status(cfg)}[name]


def _back_after_crash(cfg: StackConfig, name: str, timeout: float = 10) -> tuple[int, float]:
    """kill -9 `name` and wait for supervisord to run it again; its new pid and how long that took."""
    killed = processes.crash(cfg, name)
    started = time.monotonic()
    processes.wait_until(lambda: processes.running_pid(cfg, name) not in (None, killed), timeout, f"{name} back")
    assert not processes.alive(killed)
    pid = processes.running_pid(cfg, name)
    assert pid is not None
    return pid, time.monotonic() - started


@pytest.fixture
def cfg(tmp_path: Path) -> Iterator[StackConfig]:
    cfg = StackConfig(state_dir=tmp_path / "stack")
    yield cfg
    processes.shutdown(cfg)


def test_a_killed_program_comes_back_and_a_stopped_one_stays_down(cfg: StackConfig) -> None:
    processes.spawn(cfg, "keeper", SLEEP)  # keeps supervisord up while the other one is stopped
    first = processes.spawn(cfg, "sleeper", SLEEP)
    assert _argv(first)[:2] == SLEEP  # supervisord's child is the program itself
    processes.wait_until(lambda: _state(cfg, "sleeper") == "RUNNING", 10, "sleeper RUNNING")  # past startsecs

    pid, seconds = _back_after_crash(cfg, "sleeper")
    print(f"a killed program was back in {seconds:.2f}s")
    assert seconds < 5
    status = {p.name: p for p in processes.status(cfg)}
    assert (status["sleeper"].pid, status["sleeper"].restarts) == (pid, 1)
    assert (status["keeper"].state, status["keeper"].restarts) == ("RUNNING", 0)
    assert status["keeper"].uptime_s is not None and status["keeper"].uptime_s >= 1

    assert processes.stop(cfg, "sleeper")
    assert not processes.alive(pid)
    time.sleep(2)  # many times what a restart takes
    assert (_state(cfg, "sleeper"), processes.running_pid(cfg, "sleeper")) == ("STOPPED", None)


def test_a_stop_by_sigkill_leaves_the_program_down(cfg: StackConfig) -> None:
    processes.spawn(cfg, "keeper", SLEEP)
    pid = processes.spawn(cfg, "sleeper", SLEEP)
    processes.wait_until(lambda: _state(cfg, "sleeper") == "RUNNING", 10, "sleeper RUNNING")
    started = time.monotonic()
    assert processes.stop(cfg, "sleeper", sig=signal.SIGKILL)
    assert time.monotonic() - started < 5  # not the stop timeout of a signal the program never got
    assert not processes.alive(pid)
    time.sleep(2)
    assert (_state(cfg, "sleeper"), processes.running_pid(cfg, "sleeper")) == ("STOPPED", None)
    assert processes.spawn(cfg, "sleeper", SLEEP) != pid  # and it starts again when asked


def test_supervisord_exits_with_its_last_program(cfg: StackConfig) -> None:
    processes.spawn(cfg, "sleeper", SLEEP)
    supervisord = processes.supervisord_pid(cfg)
    assert supervisord is not None
    assert processes.stop(cfg, "sleeper")
    assert processes.supervisord_pid(cfg) is None and not processes.alive(supervisord)
    assert os.listdir(cfg.path("run")) == []  # no socket, no pid file left to mislead anyone
    assert not processes.stop(cfg, "sleeper")  # nothing to stop, and no supervisord is started for it


def test_postgres_is_supervised_as_the_postmaster_itself() -> None:
    cfg = ephemeral_config()
    try:
        postgres.start(cfg)
        postmaster = processes.running_pid(cfg, "postgres")
        assert postmaster is not None
        assert _argv(postmaster)[0] == str(postgres.PG_BIN / "postgres")  # not runuser, not pg_ctl
        assert os.stat(f"/proc/{postmaster}").st_uid == pwd.getpwnam(postgres.OS_USER).pw_uid

        pid, seconds = _back_after_crash(cfg, "postgres", timeout=30)
        processes.wait_until(lambda: postgres.is_ready(cfg), 30, "PostgreSQL after its crash")
        print(f"PostgreSQL was back in {seconds:.2f}s")
        data = str(postgres.cluster_dir(cfg) / "data")
        postmasters = [p for p, argv in _argvs().items() if argv[:3] == [str(postgres.PG_BIN / "postgres"), "-D", data]]
        assert postmasters == [pid]  # the killed one left no orphan answering on the port

        postgres.stop(cfg)
        assert not processes.alive(pid) and not processes.port_open(cfg.host, cfg.pg_port)
    finally:
        processes.shutdown(cfg)
        shutil.rmtree(cfg.state_dir, ignore_errors=True)


def _argvs() -> dict[int, list[str]]:
    """Every process's command line, read once: a process may exit between two reads."""
    argvs = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # exited meanwhile
                argvs[int(entry.name)] = _argv(int(entry.name))
    return argvs
