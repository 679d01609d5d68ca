"""A PostgreSQL cluster owned by the stack: initdb once, the postmaster run by supervisord as the postgres user."""

import hashlib
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from stack import processes
from stack.config import StackConfig
from stack.packages import ensure_debian_packages

NAME = "postgres"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"  # initdb and postgres refuse to run as root


def ensure_installed() -> None:
    ensure_debian_packages(PG_BIN / "postgres", "postgresql-15", "postgresql-client-15", "postgresql-contrib")


def cluster_dir(cfg: StackConfig) -> Path:
    """The cluster lives in the state folder when the postgres user can reach it, else in /tmp."""
    preferred = cfg.path("postgres")
    preferred.mkdir(parents=True, exist_ok=True)
    shutil.chown(preferred, OS_USER, OS_USER)
    if _as_postgres("test", "-w", str(preferred)).returncode == 0:
        return preferred
    digest = hashlib.sha1(str(cfg.state_dir.resolve()).encode()).hexdigest()[:10]
    fallback = Path(tempfile.gettempdir()) / f"wallet-postgres-{digest}"
    fallback.mkdir(exist_ok=True)
    shutil.chown(fallback, OS_USER, OS_USER)
    return fallback


def start(cfg: StackConfig) -> None:
    ensure_installed()
    home = cluster_dir(cfg)
    data = home / "data"
    if not (data / "PG_VERSION").exists():
        _initdb(cfg, home, data)
    if processes.running_pid(cfg, NAME) is None:
        if processes.port_open(cfg.host, cfg.pg_port):
            raise processes.StackError(f"port {cfg.pg_port} is in use by another program")
        _spawn(cfg, home, data)
    processes.wait_ready(cfg, NAME, lambda: is_ready(cfg), 60, "PostgreSQL")
    # Every start, not once: the statements are idempotent and a newer version may add a database.
    _create_app_role(cfg, home)


def _spawn(cfg: StackConfig, home: Path, data: Path) -> None:
    """The postmaster itself in the foreground (not pg_ctl, not runuser): the process supervisord watches."""
    processes.spawn(
        cfg,
        NAME,
        [
            str(PG_BIN / "postgres"),
            "-D",
            str(data),
            "-c",
            f"port={cfg.pg_port}",
            "-c",
            f"listen_addresses={cfg.host}",
            "-c",
            f"unix_socket_directories={home}",
            "-c",
            "wal_level=logical",
            "-c",
            "max_wal_senders=10",
            "-c",
            "max_replication_slots=10",
            "-c",
            "max_connections=200",
            "-c",
            "logging_collector=off",
        ],
        cwd=home,
        user=OS_USER,
        stop_signal=signal.SIGINT,  # PostgreSQL's fast shutdown
        stop_timeout=60,
    )


def is_ready(cfg: StackConfig) -> bool:
    probe = subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", cfg.host, "-p", str(cfg.pg_port)], check=False)
    return probe.returncode == 0


def stop(cfg: StackConfig) -> None:
    processes.stop(cfg, NAME)


def _initdb(cfg: StackConfig, home: Path, data: Path) -> None:
    pwfile = home / "superuser.password"
    pwfile.write_text(secrets.token_urlsafe(24))
    shutil.chown(pwfile, OS_USER, OS_USER)
    pwfile.chmod(0o600)
    result = _as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        f"--pwfile={pwfile}",
        "--auth-local=peer",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    if result.returncode != 0:
        raise processes.StackError(f"initdb failed: {result.stdout}{result.stderr}")


def _create_app_role(cfg: StackConfig, home: Path) -> None:
    """The application role owns the databases (the Bank's, the Card Adapter's) and may replicate (Debezium reads
    the WAL as it)."""
    password = cfg.database_password.replace("'", "''")
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{cfg.pg_user}') THEN "
        f'CREATE ROLE "{cfg.pg_user}" LOGIN REPLICATION; END IF; END $$;',
        # Every start: the password is the stack's secret (a cluster from before it had another).
        f"ALTER ROLE \"{cfg.pg_user}\" PASSWORD '{password}';",
        *(
            f'SELECT \'CREATE DATABASE "{name}" OWNER "{cfg.pg_user}"\' '
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{name}') \\gexec"
            for name in (cfg.pg_database, cfg.card_adapter_database)
        ),
    ]
    result = _as_postgres(
        "psql",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(home),
        "-p",
        str(cfg.pg_port),
        "-d",
        "postgres",
        input="\n".join(statements),
    )
    if result.returncode != 0:
        raise processes.StackError(f"creating the application role failed: {result.stderr}")


def run_sql(cfg: StackConfig, statements: list[str], database: str = "postgres") -> None:
    """Statements as the cluster's superuser (what the application role may not do: create or drop a database)."""
    argv = ["psql", "-v", "ON_ERROR_STOP=1", "-h", str(cluster_dir(cfg)), "-p", str(cfg.pg_port), "-d", database]
    result = _as_postgres(*argv, input="\n".join(statements))
    if result.returncode != 0:
        raise processes.StackError(f"psql failed: {result.stderr}")


def _as_postgres(*argv: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", OS_USER, "--", *argv], input=input, capture_output=True, text=True, check=False, cwd="/"
    )
