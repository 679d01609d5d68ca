"""Start, find and stop the stack's processes: the stack's own supervisord runs each and restarts it after a crash."""

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import Faults, SupervisorTransport

from stack.config import StackConfig
from stack.supervisor_config import PROGRAMS_DIR, Program, program_section, supervisord_conf

# supervisord's states of a program whose process runs and is not being stopped
ALIVE = ("STARTING", "RUNNING")
# states after which supervisord starts the program again by itself
RESTARTING = ("BACKOFF", "EXITED")
SUPERVISORD_TIMEOUT = 15.0
# a unix socket's path has at most 107 bytes
_MAX_SOCKET_PATH = 100
_ESTABLISHED = "01"  # a TCP state in /proc/net/tcp


class StackError(RuntimeError):
    """A stack component failed to start, stop or become ready."""


@dataclass(frozen=True)
class ProgramStatus:
    """One program of the stack as `make status` shows it."""

    name: str
    state: str  # supervisord's: STARTING, RUNNING, BACKOFF, STOPPING, STOPPED, EXITED, FATAL
    pid: int | None
    uptime_s: float | None
    restarts: int  # times it exited unasked since supervisord started; supervisord started it again each time


def log_file(cfg: StackConfig, name: str) -> Path:
    return cfg.logs_dir / f"{name}.log"


def supervisord_log(cfg: StackConfig) -> Path:
    return cfg.logs_dir / "supervisord.log"


def supervisord_conf_file(cfg: StackConfig) -> Path:
    """Also what `supervisorctl -c <this file> status` reads."""
    return cfg.path("supervisord.conf")


def socket_path(cfg: StackConfig) -> Path:
    """In the state folder, or under /tmp when that path would be too long for a unix socket."""
    preferred = cfg.path("run", "supervisor.sock")
    if len(str(preferred)) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha1(str(cfg.state_dir.resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"wallet-supervisor-{digest}.sock"


@contextlib.contextmanager
def _supervisor(cfg: StackConfig) -> Iterator[Any]:
    """The `supervisor.*` XML-RPC namespace of the stack's supervisord (OSError on calls when none runs)."""
    transport = SupervisorTransport(serverurl=f"unix://{socket_path(cfg)}")
    try:
        yield xmlrpc.client.ServerProxy("http://localhost", transport=transport).supervisor
    finally:
        transport.close()


def _is_fault(error: Exception, *codes: int) -> bool:
    return isinstance(error, xmlrpc.client.Fault) and error.faultCode in codes


def _info(cfg: StackConfig, name: str) -> dict[str, Any] | None:
    """supervisord's record of `name`; None when it has none or no supervisord runs for this stack."""
    with _supervisor(cfg) as supervisor:
        try:
            return supervisor.getProcessInfo(name)
        except OSError:  # no socket, or nobody listening on it
            return None
        except xmlrpc.client.Fault as error:
            if _is_fault(error, Faults.BAD_NAME, Faults.SHUTDOWN_STATE):
                return None
            raise


def running_pid(cfg: StackConfig, name: str) -> int | None:
    """The pid of `name` if supervisord runs it (its own process: no wrapper, no pid file)."""
    info = _info(cfg, name)
    return info["pid"] if info and info["statename"] in ALIVE else None


def supervisord_pid(cfg: StackConfig) -> int | None:
    with _supervisor(cfg) as supervisor:
        try:
            return supervisor.getPID() if supervisor.getState()["statename"] == "RUNNING" else None
        except (OSError, xmlrpc.client.Fault):
            return None


def _ensure_supervisord(cfg: StackConfig) -> None:
    """Start the stack's supervisord unless it runs; it daemonizes, so wait until it answers on its socket."""
    if supervisord_pid(cfg):
        return
    for folder in (cfg.path("run"), cfg.path(PROGRAMS_DIR)):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A supervisord started anew runs nothing until asked: a section left by an earlier one (e.g. of a program since
    # renamed, such as "bank" before replicas) would only show as STOPPED in make status.
    for stale in cfg.path(PROGRAMS_DIR).glob("*.ini"):
        stale.unlink()
    cfg.logs_dir.mkdir(parents=True, exist_ok=True)
    supervisord_conf_file(cfg).write_text(supervisord_conf(cfg.state_dir, socket_path(cfg), supervisord_log(cfg)))
    launched = subprocess.run(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(supervisord_conf_file(cfg))],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    # Non-zero: it did not get as far as forking (a config error, or another one just took the socket).
    if launched.returncode != 0 and not supervisord_pid(cfg):
        raise StackError(f"supervisord did not start:\n{launched.stdout}{launched.stderr}")
    wait_until(lambda: supervisord_pid(cfg) is not None, SUPERVISORD_TIMEOUT, "supervisord", log=supervisord_log(cfg))


def spawn(
    cfg: StackConfig,
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
    stop_signal: signal.Signals = signal.SIGTERM,
    stop_timeout: float = 30.0,
) -> int:
    """Have supervisord run `argv` (in the foreground: supervisord must own the process itself) as program `name`,
    logging to log_file(); returns its pid. A no-op if it runs. `stop_signal` and `stop_timeout` (then SIGKILL) are
    how stop(), `make down` and supervisord's own shutdown end it."""
    if pid := running_pid(cfg, name):
        return pid
    _ensure_supervisord(cfg)
    program = Program(name, list(argv), log_file(cfg, name), dict(env or {}), cwd, user, stop_signal, stop_timeout)
    section = cfg.path(PROGRAMS_DIR, f"{name}.ini")
    section.touch(mode=0o600)  # its environment may hold a secret
    section.write_text(program_section(program))
    with _supervisor(cfg) as supervisor:
        [[added, changed, _removed]] = supervisor.reloadConfig()
        if name in changed:
            _keep_stopped(cfg, name)
            supervisor.removeProcessGroup(name)
        if name in added or name in changed:
            supervisor.addProcessGroup(name)
        return _start(cfg, supervisor, name)


def restart(cfg: StackConfig, name: str) -> int:
    """Stop `name` by its stop signal (a service drains on it) and start it again as the same program; returns the
    new pid."""
    with _supervisor(cfg) as supervisor:
        return _start(cfg, supervisor, name)


def _start(cfg: StackConfig, supervisor: Any, name: str) -> int:
    _keep_stopped(cfg, name)  # e.g. retrying after a failed start (BACKOFF)
    try:
        supervisor.startProcess(name, False)
    except xmlrpc.client.Fault as error:
        message = f"supervisord could not start {name}: {error.faultString}\n{log_tail(cfg, name)}"
        raise StackError(message) from error
    pid = supervisor.getProcessInfo(name)["pid"]
    if pid:
        _wait_exec(supervisor, pid)
    else:
        stop(cfg, name)
        raise StackError(f"{name} exited at once:\n{log_tail(cfg, name)}")
    return int(pid)


def stop(cfg: StackConfig, name: str, sig: int | None = None) -> bool:
    """Stop `name` and keep it stopped; True if it was running. Without `sig`, by its own stop signal (SIGKILL after
    its stop timeout); with `sig` (SIGKILL: as in a crash), by that signal to its process group first. supervisord
    exits with the last program it runs, so that no stack leaves it behind."""
    info = _info(cfg, name)
    if info is None:
        return False
    if sig is not None and info["pid"]:
        _signal_while_stopping(cfg, name, info["pid"], sig)
    _keep_stopped(cfg, name)
    _shutdown_if_idle(cfg)
    return info["statename"] in ALIVE


def _signal_while_stopping(cfg: StackConfig, name: str, pid: int, sig: int) -> None:
    """`sig` to the process group of `pid` in a way supervisord takes for the stop it was asked for, not for a
    crash to recover from: the group is frozen while supervisord is asked to stop it, so its stop signal waits
    behind `sig`."""
    _signal_group(pid, signal.SIGSTOP)
    with _supervisor(cfg) as supervisor, contextlib.suppress(xmlrpc.client.Fault):  # NOT_RUNNING: it died meanwhile
        supervisor.stopProcess(name, False)
    _signal_group(pid, sig)
    _signal_group(pid, signal.SIGCONT)


def crash(cfg: StackConfig, name: str) -> int:
    """kill -9 the process of `name` (not its children) and let supervisord start it again; returns the killed pid."""
    pid = running_pid(cfg, name)
    if pid is None:
        raise StackError(f"{name} does not run")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return pid


def _keep_stopped(cfg: StackConfig, name: str, timeout: float = 10.0) -> None:
    """stopProcess until supervisord reports STOPPED (or FATAL): a process that died on a signal just now may be
    EXITED, which supervisord turns into a new start on its next round, to be stopped in turn."""
    deadline = time.monotonic() + timeout
    with _supervisor(cfg) as supervisor:
        while True:
            info = supervisor.getProcessInfo(name)
            if info["statename"] in ("STOPPED", "FATAL"):
                return
            if info["statename"] == "STARTING":
                _wait_exec(supervisor, info["pid"])
            try:
                supervisor.stopProcess(name, True)
                return
            except xmlrpc.client.Fault as error:
                if not _is_fault(error, Faults.NOT_RUNNING):
                    raise StackError(f"stopping {name}: {error.faultString}") from error
            if time.monotonic() > deadline:
                raise StackError(f"supervisord kept restarting {name} while it was being stopped")
            time.sleep(0.05)


def _wait_exec(supervisor: Any, pid: int) -> None:
    """Until supervisord's child for `pid` has become the program: before its exec it still runs supervisord's code,
    whose signal handlers would swallow a stop signal (the stop would then wait out the stop timeout)."""
    parent = _cmdline(supervisor.getPID())

    def execed() -> bool:
        command = _cmdline(pid)  # empty in the midst of the exec
        return (command != b"" and command != parent) or not alive(pid)

    wait_until(execed, 5, f"pid {pid} to exec its program", interval=0.005)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone
        return b""


def _shutdown_if_idle(cfg: StackConfig) -> None:
    with _supervisor(cfg) as supervisor:
        try:
            states = {info["statename"] for info in supervisor.getAllProcessInfo()}
        except (OSError, xmlrpc.client.Fault):
            return
    if not states & {*ALIVE, *RESTARTING, "STOPPING"}:
        shutdown(cfg)


def shutdown(cfg: StackConfig, timeout: float = 180.0) -> None:
    """Stop whatever supervisord still runs (each program by its own stop signal), then supervisord itself."""
    pid = supervisord_pid(cfg)
    if pid is None:
        return
    with _supervisor(cfg) as supervisor, contextlib.suppress(OSError, xmlrpc.client.Fault):
        supervisor.shutdown()
    wait_until(lambda: not alive(pid), timeout, "supervisord to exit", log=supervisord_log(cfg))


def status(cfg: StackConfig) -> list[ProgramStatus]:
    """Every program supervisord knows for this stack, by name; empty when no supervisord runs."""
    with _supervisor(cfg) as supervisor:
        try:
            infos = supervisor.getAllProcessInfo()
        except (OSError, xmlrpc.client.Fault):
            return []
    counts = restarts(cfg)
    return [
        ProgramStatus(
            name=info["name"],
            state=info["statename"],
            pid=info["pid"] or None,
            uptime_s=info["now"] - info["start"] if info["statename"] in ALIVE else None,
            restarts=counts.get(info["name"], 0),
        )
        for info in infos
    ]


_EXITED = re.compile(r" exited: (\S+) \(")


def restarts(cfg: StackConfig) -> dict[str, int]:
    """Per program, the exits supervisord did not ask for since it started (it logs "exited: <name> (…)" for those,
    "stopped: …" for requested stops), each one followed by a restart."""
    try:
        text = supervisord_log(cfg).read_text(errors="replace")
    except FileNotFoundError:
        return {}
    since = max(text.rfind("supervisord started with pid"), 0)
    counts: dict[str, int] = {}
    for match in _EXITED.finditer(text, since):
        counts[match[1]] = counts.get(match[1], 0) + 1
    return counts


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # exited meanwhile
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


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


def established_connections(port: int) -> int:
    """How many TCP connections to the local `port` are established (IPv4, and IPv6 with v4-mapped addresses)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, _remote, state = line.split()[1:4]
                count += state == _ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == port
    return count


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


def keep_logs(cfg: StackConfig) -> Path:
    """A copy of the stack's logs outside its state folder (about to be removed), for a run that failed."""
    kept = Path(tempfile.gettempdir()) / f"wallet-logs-{cfg.state_dir.name}"
    shutil.copytree(cfg.logs_dir, kept, dirs_exist_ok=True)
    return kept


def log_tail(cfg: StackConfig, name: str, lines: int = 30) -> str:
    """The last lines of `name`'s log, for error messages."""
    try:
        text = log_file(cfg, name).read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_ready(cfg: StackConfig, name: str, predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Like wait_until, but fail at once (with the log's tail) if `name`'s process has exited; it is then stopped,
    not left to supervisord's retries."""

    def ready() -> bool:
        if running_pid(cfg, name) is None:
            stop(cfg, name)
            raise StackError(f"{name} exited while waiting for {what}:\n{log_tail(cfg, name)}")
        return predicate()

    wait_until(ready, timeout, what, log=log_file(cfg, name))
