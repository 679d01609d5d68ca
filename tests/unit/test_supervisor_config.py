"""supervisord's config as the stack writes it reads back, through supervisord's own parser, as what was meant."""

import shlex
import signal
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions, UnhosedConfigParser

from stack.__main__ import status_table
from stack.config import StackConfig
from stack.processes import ProgramStatus, restarts
from stack.supervisor_config import PROGRAMS_DIR, Program, environment, program_section, supervisord_conf

AWKWARD_ARGS = ["/bin/echo", "a ;b", "c\t#d", "50%", "%(here)s", "it's", 'say "hi"', "", "x,y=z"]
AWKWARD_ENV = {
    "COMMA": "1,2",
    "PERCENT": "p%w%(ENV_HOME)s",
    "DOUBLE": 'q"uote',
    "SINGLE": "it's",
    "SPACE": "sp ace",
    "EMPTY": "",
    "EQUALS": "a=b",
    "SEMICOLON": "x;y#z",
    "URL": "postgresql+asyncpg://wallet:pa%24s@127.0.0.1:5433/wallet",
}


def parsed(program: Program):
    parser = UnhosedConfigParser()
    parser.read_string(program_section(program))
    options = ServerOptions()
    options.here = "/"
    [config] = options.processes_from_section(parser, f"program:{program.name}", program.name)
    return config


def test_a_program_reads_back_as_written(tmp_path: Path) -> None:
    (tmp_path / "logs %").mkdir()
    program = Program(
        "gateway-8001",
        AWKWARD_ARGS,
        tmp_path / "logs %" / "gateway.log",
        AWKWARD_ENV,
        cwd=Path("/tmp/a%b"),
        user="root",
        stop_signal=signal.SIGINT,
        stop_timeout=59.5,
    )
    config = parsed(program)
    assert shlex.split(config.command) == AWKWARD_ARGS
    assert config.environment == AWKWARD_ENV
    assert (config.directory, config.uid) == ("/tmp/a%b", 0)
    assert config.stdout_logfile == str(tmp_path / "logs %" / "gateway.log")
    assert (config.stopsignal, config.stopwaitsecs) == (signal.SIGINT, 60)


def test_a_program_is_restarted_whatever_way_it_exits_and_started_only_when_asked() -> None:
    config = parsed(Program("bank", ["python", "-m", "bank"], Path("/tmp/bank.log")))
    assert config.autorestart is RestartUnconditionally
    assert not config.autostart  # a supervisord started anew must not start programs before their dependencies
    assert (config.startsecs, config.startretries) == (1, 1000)
    assert config.stopasgroup and config.killasgroup and config.redirect_stderr
    assert (config.stopsignal, config.stopwaitsecs) == (signal.SIGTERM, 30)
    assert config.environment == {} and config.directory is None and config.uid is None


@pytest.mark.parametrize(
    "env",
    [
        {"A": "line\nbreak"},
        {"A": "both \" and '"},
        {"A": '"quoted"'},
        {"A": "ends with '"},
        {"A": "looks like ;a comment"},
        {"A": "or\t#this"},
        {"NOT-A-NAME": "x"},
    ],
)
def test_values_supervisord_cannot_read_back_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        environment(env)


def test_a_line_break_in_an_argument_is_refused() -> None:
    with pytest.raises(ValueError):
        program_section(Program("x", ["echo", "two\nlines"], Path("/tmp/x.log")))


def test_supervisords_own_config_reads_back(tmp_path: Path) -> None:
    state = tmp_path / "state 50%;x"
    for folder in ("run", "logs", PROGRAMS_DIR):
        (state / folder).mkdir(parents=True)
    (state / PROGRAMS_DIR / "bank.ini").write_text(program_section(Program("bank", ["sleep", "1"], Path("/tmp/b"))))
    conf = state / "supervisord.conf"
    conf.write_text(supervisord_conf(state, state / "run" / "supervisor.sock", state / "logs" / "supervisord.log"))
    options = ServerOptions()
    options.realize(args=["-c", str(conf)])
    assert options.serverurl == f"unix://{state}/run/supervisor.sock"
    assert [server["file"] for server in options.server_configs] == [f"{state}/run/supervisor.sock"]
    assert (options.logfile, options.pidfile) == (f"{state}/logs/supervisord.log", f"{state}/run/supervisord.pid")
    assert [group.name for group in options.process_group_configs] == ["bank"]


def test_restarts_count_unasked_exits_since_supervisord_last_started(tmp_path: Path) -> None:
    cfg = StackConfig(state_dir=tmp_path)
    cfg.logs_dir.mkdir()
    (cfg.logs_dir / "supervisord.log").write_text(
        """\
2026-01-01 10:00:00,000 INFO supervisord started with pid 10
2026-01-01 10:00:01,000 WARN exited: bank (terminated by SIGKILL; not expected)
2026-01-01 10:00:02,000 INFO supervisord started with pid 20
2026-01-01 10:00:03,000 INFO spawned: 'bank' with pid 21
2026-01-01 10:00:04,000 WARN exited: bank (terminated by SIGKILL; not expected)
2026-01-01 10:00:04,100 INFO spawned: 'bank' with pid 22
2026-01-01 10:00:05,000 WARN exited: gateway-8001 (exit status 1; not expected)
2026-01-01 10:00:06,000 WARN exited: bank (exit status 0; expected)
2026-01-01 10:00:07,000 WARN stopped: bank (terminated by SIGTERM)
2026-01-01 10:00:08,000 INFO spawned: 'bank' with pid 23
"""
    )
    assert restarts(cfg) == {"bank": 2, "gateway-8001": 1}


def test_the_status_table_shows_state_pid_uptime_and_restarts() -> None:
    table = status_table(
        [
            ProgramStatus("bank-1", "RUNNING", 4242, 3725.4, 1),
            ProgramStatus("card_adapter-2", "STOPPED", None, None, 0),
        ]
    )
    assert table.splitlines() == [
        "process          state          pid    uptime restarts",
        "bank-1           RUNNING       4242   1:02:05        1",
        "card_adapter-2   STOPPED          -         -        0",
    ]
