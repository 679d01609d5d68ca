"""Installs the Debian packages the stack needs, only when they are missing."""

import shutil
import subprocess
from pathlib import Path

from stack.processes import StackError

_updated = False
_ENV = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def ensure_debian_packages(marker: Path, *packages: str) -> None:
    """apt-get install `packages` unless `marker` (a file they install) already exists."""
    global _updated
    if marker.exists():
        return
    if shutil.which("apt-get") is None:
        raise StackError(f"{marker} is missing and apt-get is not available; install {' '.join(packages)}")
    if not _updated:
        _apt("update", "-q")
        _updated = True
    _apt("install", "-y", "-q", "--no-install-recommends", *packages)


def _apt(*args: str) -> None:
    done = subprocess.run(["apt-get", *args], capture_output=True, text=True, env=_ENV)
    if done.returncode != 0:
        raise StackError(f"apt-get {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr}")
