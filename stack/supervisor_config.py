"""The text of supervisord's config files: one for the stack's supervisord, one section per program it runs."""

import math
import re
import shlex
import signal
from dataclasses import dataclass, field
from pathlib import Path

# What a value may not hold in supervisord's ini files: a line break ends it, and whitespace followed by ; or #
# starts an inline comment (its config parser strips those before anything else reads the value).
_LINE_BREAK = re.compile(r"[\r\n\0]")
_INLINE_COMMENT = re.compile(r"(\s)([;#])")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# in the state folder: one <name>.ini per program
PROGRAMS_DIR = "supervisor"


@dataclass(frozen=True)
class Program:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    user: str | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    stop_timeout: float = 30.0


def supervisord_conf(state_dir: Path, socket: Path, log: Path) -> str:
    """supervisord's own config (written to `state_dir`): its socket, log, pid file, and the program sections."""
    return f"""\
[supervisord]
logfile={_value(str(log))}
logfile_maxbytes=0
pidfile={_value(str(state_dir / "run" / "supervisord.pid"))}
directory={_value(str(state_dir))}
childlogdir={_value(str(log.parent))}

[unix_http_server]
file={_value(str(socket))}
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{_value(str(socket))}

[include]
files = {PROGRAMS_DIR}/*.ini
"""


def program_section(program: Program) -> str:
    """One [program:…] section: restarted whatever way it exits, stopped as a group, output to its log."""
    lines = [
        f"[program:{program.name}]",
        f"command={command(program.argv)}",
        # started by an explicit startProcess, so that a supervisord started anew runs nothing on its own
        "autostart=false",
        "autorestart=true",
        "startsecs=1",
        "startretries=1000",
        f"stopsignal={program.stop_signal.name.removeprefix('SIG')}",
        f"stopwaitsecs={math.ceil(program.stop_timeout)}",
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        # the only value supervisord expands twice
        f"stdout_logfile={_expanded(_value(str(program.log)))}",
    ]
    if program.cwd is not None:
        lines.append(f"directory={_value(str(program.cwd))}")
    if program.user is not None:
        lines.append(f"user={_value(program.user)}")
    if program.env:
        lines.append(f"environment={environment(program.env)}")
    return "\n".join(lines) + "\n"


def command(argv: list[str]) -> str:
    """`argv` as supervisord's command= value, which it splits with shlex (POSIX rules)."""
    for arg in argv:
        _check_one_line(arg)
    quoted = shlex.join(argv)
    # Every whitespace in `quoted` is inside single quotes or between arguments, and ; or # only ever inside quotes:
    # closing and reopening the quotes between the two ('a '';b' is "a ;b") keeps the parser from seeing a comment.
    return _expanded(_INLINE_COMMENT.sub(r"\1''\2", quoted))


def environment(env: dict[str, str]) -> str:
    """`env` as supervisord's environment= value: KEY="value",… read by a non-POSIX shlex that knows no escapes
    and strips every quote from both ends of a value, so some values cannot be written (ValueError)."""
    return ",".join(f"{_env_name(key)}={_env_value(key, value)}" for key, value in env.items())


def _env_name(key: str) -> str:
    if not _ENV_NAME.fullmatch(key):
        raise ValueError(f"{key!r} is not an environment variable name supervisord can read")
    return key


def _env_value(key: str, value: str) -> str:
    _check_one_line(value)
    if _INLINE_COMMENT.search(value):
        raise ValueError(f"{key}: supervisord would read whitespace followed by ; or # as a comment")
    if value and (value[0] in "'\"" or value[-1] in "'\""):
        raise ValueError(f"{key}: supervisord strips quotes at either end of a value")
    quote = "'" if '"' in value else '"'
    if quote in value:
        raise ValueError(f"{key}: supervisord cannot read a value holding both kinds of quotes")
    return _expanded(f"{quote}{value}{quote}")


def _value(text: str) -> str:
    """A plain value (a path, a user name) as supervisord reads it back."""
    _check_one_line(text)
    if _INLINE_COMMENT.search(text):
        raise ValueError(f"{text!r}: supervisord would read whitespace followed by ; or # as a comment")
    return _expanded(text)


def _check_one_line(text: str) -> None:
    if _LINE_BREAK.search(text):
        raise ValueError(f"{text!r}: a line break or NUL cannot be written into supervisord's config")


def _expanded(text: str) -> str:
    # supervisord expands %(name)s in values with Python's % operator: a literal % is %%.
    return text.replace("%", "%%")
