"""Installs the Debian packages the stack needs, only when they are missing."""

import shutil
import subprocess
from pathlib import Path

_updated = False


def ensure_debian_packages(marker: Path, *packages: str) -> None:
    """apt-get install `packages` unless `marker` (a file they install) already exists."""
    global _updated
    if marker.exists():
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"{marker} is missing and apt-get is not available; install {' '.join(packages)}")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    if not _updated:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        _updated = True
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], check=True, env=env)
