"""`python -m stack.compose up|down|test|prepare`: the Wallet on Docker (compose.yaml), for `make compose-up`,
`make compose-down` and `make compose-test`. Installs the engine if it is missing (Debian's docker.io and
docker-compose), starts dockerd if none runs (its data, so every image layer, cached in ~/.cache/wallet/docker), builds
the Debian base image and the images, and stops only what it started."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from stack import compose_secrets, images, processes
from stack.config import REPO_ROOT, StackConfig
from stack.packages import ensure_debian_packages
from stack.processes import StackError

CACHE = Path.home() / ".cache" / "wallet"
DATA_ROOT = CACHE / "docker"
RUN_DIR = CACHE / "docker-run"
PIDFILE = RUN_DIR / "dockerd.pid"
ENGINE_LOG = RUN_DIR / "dockerd.log"
# Held by a `make compose-test` while it runs: a second one waits (one project wallet-test, and each stops the engine
# it started, which the other would be using).
TEST_LOCK = RUN_DIR / "compose-test.lock"
# Written when WALLET_KEEP_COMPOSE=1 leaves running the engine a run started: the next run stops it again.
KEPT_ENGINE = RUN_DIR / "dockerd.kept"
SECRETS_DIR = REPO_ROOT / ".compose"
PROJECT = "wallet"  # make compose-up's; make compose-test runs a project of its own beside it
TEST_PROJECT = "wallet-test"
FILES = ("compose.yaml",)
TEST_FILES = ("compose.yaml", "compose.test.yaml")
# The services a test session reaches from the host, by the StackConfig field the compose files publish them on.
TEST_PORTS = ("gateway_port", "connect_port", "prometheus_port", "jaeger_port", "pg_port", "clickhouse_http_port",
              "kafka_port")  # fmt: skip
# One replica of each service under test (the machine has 2 cores); `make compose-up` runs compose.yaml's two.
TEST_SCALE = ("bank=1", "card_adapter=1", "analytics=1", "gateway=1")
# Jobs that run once and exit 0 when the stack is in place.
JOBS = ("kafka-topics", "migrate", "analytics-schema", "register-connector")
READY_TIMEOUT_S = 600.0
# The dockerd this process started, if any: stop_engine() stops only that one.
_started: list[subprocess.Popen[bytes]] = []
# The e2e suite against the compose stack, and the integration tests run with testcontainers.
E2E = ["tests/e2e", "-m", "not native"]
CONTAINER_TESTS = ["tests/integration/test_bank_on_postgres.py", "tests/integration/test_analytics_on_clickhouse.py"]


def ensure_engine() -> bool:
    """The Docker engine answers; True if it was started here (then stop_engine() stops it), or is the one an earlier
    `make compose-test` started and left running for WALLET_KEEP_COMPOSE=1."""
    ensure_debian_packages(Path("/usr/sbin/dockerd"), "docker.io", "iptables")
    ensure_debian_packages(Path("/usr/bin/docker-compose"), "docker-compose")
    ensure_debian_packages(Path("/usr/bin/mmdebstrap"), "mmdebstrap")
    if engine_running():
        return _kept_engine() is not None
    KEPT_ENGINE.unlink(missing_ok=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with ENGINE_LOG.open("ab") as log:
        _started.append(subprocess.Popen(
            ["dockerd", "--data-root", str(DATA_ROOT), "-p", str(PIDFILE)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        ))  # fmt: skip
    processes.wait_until(engine_running, 60, f"dockerd to answer (its log: {ENGINE_LOG})")
    return True


def engine_running() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def _kept_engine() -> int | None:
    """The pid of the dockerd an earlier run kept running (KEPT_ENGINE names it), if it still runs."""
    try:
        pid = int(KEPT_ENGINE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if PIDFILE.exists() and PIDFILE.read_text().strip() == str(pid) and processes.alive(pid):
        return pid
    KEPT_ENGINE.unlink(missing_ok=True)
    return None


def keep_engine() -> None:
    """Leave running the dockerd started here (WALLET_KEEP_COMPOSE=1), for the next run to stop."""
    for engine in _started:
        KEPT_ENGINE.write_text(f"{engine.pid}\n")
    _started.clear()


def stop_engine() -> None:
    """Stop the dockerd that ensure_engine() started (or adopted), waiting until it has exited (containerd with it)."""
    for engine in _started:
        engine.terminate()
        try:
            engine.wait(timeout=60)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()
    _started.clear()
    kept = _kept_engine()
    if kept is not None:
        os.kill(kept, signal.SIGTERM)
        processes.wait_until(lambda: not processes.alive(kept), 60, "the kept dockerd to exit")
        KEPT_ENGINE.unlink(missing_ok=True)


def prepare() -> None:
    """The base image, the infrastructure images' build contexts, the secrets and certificates."""
    os.environ["WALLET_BASE_IMAGE"] = images.base_image()
    images.prepare(StackConfig())
    compose_secrets.main()
    # docker-compose (v1) bind-mounts a file secret as it is, and the services run as users of their own: the files
    # are readable inside, while their folders (0700, root's) keep them from other users of this machine.
    for folder in ("secrets", "tls"):
        (SECRETS_DIR / folder).chmod(0o700)
        for path in (SECRETS_DIR / folder).iterdir():
            path.chmod(0o644)


def compose(project: str, files: Sequence[str], *args: str, env: dict[str, str] | None = None, check: bool = True,
            capture: bool = False) -> subprocess.CompletedProcess[str]:  # fmt: skip
    argv = ["docker-compose", "-p", project, *(arg for file in files for arg in ("-f", file)), *args]
    environ = {**os.environ, **(env or {})}
    done = subprocess.run(argv, cwd=REPO_ROOT, env=environ, text=True, capture_output=capture, check=False)
    if check and done.returncode != 0:
        raise StackError(f"{' '.join(argv)} failed ({done.returncode})")
    return done


def in_session_project(*args: str) -> None:
    """docker-compose on the project a test session runs against (COMPOSE_PROJECT_NAME and COMPOSE_FILE, which
    `make compose-test` sets), e.g. in_session_project("kill", "-s", "SIGKILL", "connect")."""
    done = subprocess.run(["docker-compose", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StackError(f"docker-compose {' '.join(args)} failed: {done.stderr}")


def build(project: str, files: Sequence[str], env: dict[str, str] | None = None) -> None:
    started = time.monotonic()
    compose(project, files, "build", env=env)
    print(f"images built in {time.monotonic() - started:.0f} s", flush=True)


def wait_ready(project: str, files: Sequence[str], env: dict[str, str] | None = None) -> None:
    """Every container healthy (or running, where it has no health check) and every job exited 0."""

    def ready() -> bool:
        ids = compose(project, files, "ps", "-q", env=env, check=False, capture=True).stdout.split()
        if not ids:
            return False
        fmt = "{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"
        states = subprocess.run(["docker", "inspect", "-f", fmt, *ids], capture_output=True, text=True).stdout
        pending = []
        for line in states.splitlines():
            name, status, code, *health = line.split()
            job = any(f"_{job}_" in name for job in JOBS)
            if job and status == "exited" and code != "0":
                raise StackError(f"{name} failed (exit {code}): docker logs {name.lstrip('/')}")
            if (job and status != "exited") or (not job and (health or ["running"])[0] not in ("healthy", "running")):
                pending.append(f"{name.lstrip('/')}: {status} {' '.join(health)}")
            if not job and status != "running":
                pending.append(f"{name.lstrip('/')}: {status}")
        waiting.clear()
        waiting.extend(pending)
        return not pending

    waiting: list[str] = []
    try:
        processes.wait_until(ready, READY_TIMEOUT_S, "every container healthy", interval=2)
    except StackError as error:
        raise StackError(f"{error}; still waiting for: {', '.join(waiting)}") from error


def up(project: str = PROJECT, files: Sequence[str] = FILES, *extra: str, env: dict[str, str] | None = None) -> None:
    started = time.monotonic()
    compose(project, files, "up", "-d", "--no-build", *extra, env=env)
    wait_ready(project, files, env)
    print(f"every container healthy {time.monotonic() - started:.0f} s after `up`", flush=True)
    compose(project, files, "ps", env=env)


def down(project: str = PROJECT, files: Sequence[str] = FILES, *extra: str, env: dict[str, str] | None = None) -> None:
    compose(project, files, "down", "--remove-orphans", *extra, env=env, check=False)


def test_env() -> dict[str, str]:
    """Free ports for what compose.test.yaml publishes, as the WALLET_* variables the tests' StackConfig reads."""
    ports = processes.free_ports(len(TEST_PORTS))
    return {
        **{f"WALLET_{field.upper()}": str(port) for field, port in zip(TEST_PORTS, ports, strict=True)},
        "WALLET_STATE_DIR": str(SECRETS_DIR),
        "WALLET_TEST_TARGET": "compose",
        "COMPOSE_PROJECT_NAME": TEST_PROJECT,
        "COMPOSE_FILE": os.pathsep.join(TEST_FILES),
    }


def pytest(args: Sequence[str], env: dict[str, str]) -> int:
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(argv, cwd=REPO_ROOT, env={**os.environ, **env}, check=False).returncode


@contextmanager
def one_test_run() -> Iterator[None]:
    """This machine's only `make compose-test` while it runs (another one waits for TEST_LOCK); a SIGTERM (a CI
    timeout) unwinds it like Ctrl-C, so that its teardown runs."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with TEST_LOCK.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another make compose-test runs on this machine: waiting until it ends", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


def test() -> int:
    """make compose-test: the e2e suite against a compose stack of its own, then integration tests on testcontainers;
    everything it started is stopped (the stack's volumes removed, the images kept). WALLET_KEEP_COMPOSE=1 leaves the
    stack (and the engine) running for a look at it; the next run removes it first."""
    started = time.monotonic()
    keep = os.environ.get("WALLET_KEEP_COMPOSE") == "1"
    with one_test_run():
        engine_started = ensure_engine()
        env = test_env()
        try:
            # What an earlier run left (aborted, or kept by WALLET_KEEP_COMPOSE=1) goes first: the engine restarts
            # those containers when it starts (restart: unless-stopped), on the old run's ports, secrets and volumes,
            # and `up` would recreate them over that state.
            down(TEST_PROJECT, TEST_FILES, "--volumes", env=env)
            prepare()
            build(TEST_PROJECT, TEST_FILES, env)
            print(f"engine, base image and images ready after {time.monotonic() - started:.0f} s", flush=True)
            try:
                up(TEST_PROJECT, TEST_FILES, *(arg for scale in TEST_SCALE for arg in ("--scale", scale)), env=env)
                e2e = pytest(E2E, env)
            finally:
                if keep:
                    print(f"WALLET_KEEP_COMPOSE=1: the stack runs on (docker-compose -p {TEST_PROJECT} ps, logs "
                          "<service>); the next make compose-test removes it", flush=True)  # fmt: skip
                else:
                    down(TEST_PROJECT, TEST_FILES, "--volumes", env=env)
            containers = pytest(
                CONTAINER_TESTS, {"WALLET_TEST_INFRA": "containers", "TESTCONTAINERS_RYUK_DISABLED": "true"}
            )
        finally:
            if engine_started and keep:
                keep_engine()
            elif engine_started:
                stop_engine()
    print(f"make compose-test: {time.monotonic() - started:.0f} s", flush=True)
    return e2e or containers


def main(command: str) -> int:
    if command == "test":
        return test()
    if command == "down":
        if engine_running():
            down()
        return 0
    ensure_engine()
    prepare()
    if command == "up":
        build(PROJECT, FILES)
        up()
        print("REST API http://127.0.0.1:8000, Connect http://127.0.0.1:8083, Prometheus http://127.0.0.1:9090, "
              "Jaeger http://127.0.0.1:16686 (make compose-down stops it; the engine keeps running)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "up"))
