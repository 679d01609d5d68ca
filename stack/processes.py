"""Start, find and stop the stack's background processes; each has a pid file and a log file."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from stack.config import StackConfig


class StackError(RuntimeError):
    """A stack component failed to start, stop or become ready."""


def pid_file(cfg: StackConfig, name: str) -> Path:
    return cfg.path("run", f"{name}.pid")


def log_file(cfg: StackConfig, name: str) -> Path:
    return cfg.logs_dir / f"{name}.log"


def running_pid(cfg: StackConfig, name: str) -> int | None:
    """The pid recorded for `name` if that process is still alive."""
    path = pid_file(cfg, name)
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def spawn(
    cfg: StackConfig,
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> int:
    """Start `argv` in its own session, detached, logging to the stack's log folder."""
    if pid := running_pid(cfg, name):
        return pid
    cfg.logs_dir.mkdir(parents=True, exist_ok=True)
    pid_file(cfg, name).parent.mkdir(parents=True, exist_ok=True)
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    with open(log_file(cfg, name), "ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    pid_file(cfg, name).write_text(str(proc.pid))
    return proc.pid


def stop(cfg: StackConfig, name: str, timeout: float = 30.0, sig: int = signal.SIGTERM) -> bool:
    """Signal the process group of `name`, wait for it to exit, SIGKILL after `timeout`."""
    pid = running_pid(cfg, name)
    if pid is None:
        pid_file(cfg, name).unlink(missing_ok=True)
        return False
    _signal_group(pid, sig)
    try:
        wait_until(lambda: not _alive(pid), timeout, f"{name} to stop")
    except StackError:
        _signal_group(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), 10, f"{name} to die")
    pid_file(cfg, name).unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.1,
    log: Path | None = None,
) -> None:
    """Poll `predicate` until it holds; raise StackError naming `what` (and the log) on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    hint = f"; see {log}" if log else ""
    raise StackError(f"timed out after {timeout:.0f}s waiting for {what}{hint}")


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports: every socket stays bound until all are chosen, so the
    kernel cannot hand the same port out twice."""
    with contextlib.ExitStack() as held:
        socks = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def log_tail(cfg: StackConfig, name: str, lines: int = 30) -> str:
    """The last lines of `name`'s log, for error messages."""
    try:
        text = log_file(cfg, name).read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_ready(cfg: StackConfig, name: str, predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Like wait_until, but fail at once (with the log's tail) if `name`'s process has exited."""

    def ready() -> bool:
        if running_pid(cfg, name) is None:
            raise StackError(f"{name} exited while waiting for {what}:\n{log_tail(cfg, name)}")
        return predicate()

    wait_until(ready, timeout, what, interval=0.2, log=log_file(cfg, name))
