"""Installs the Debian packages the stack needs, only when they are missing."""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stack.processes import StackError

POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
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
    with _no_service_starts():
        _apt("install", "-y", "-q", "--no-install-recommends", *packages)


@contextmanager
def _no_service_starts() -> Iterator[None]:
    """Debian's packages start their own daemon on install (nginx on 80, prometheus on 9090…) unless policy-rc.d
    forbids it; the stack runs its own, on its own ports. Machines built from container images have one already."""
    if POLICY_RC_D.exists():
        yield
        return
    POLICY_RC_D.write_text("#!/bin/sh\n# written by the Wallet's stack/packages.py for one apt-get install\nexit 101\n")
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)


def _apt(*args: str) -> None:
    done = subprocess.run(["apt-get", *args], capture_output=True, text=True, env=_ENV)
    if done.returncode != 0:
        raise StackError(f"apt-get {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr}")
