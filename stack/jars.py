"""Fetch (once) the Kafka, Kafka Connect and Debezium jars that stack/jars/pom.xml names."""

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from stack.config import StackConfig
from stack.processes import StackError

POM = Path(__file__).resolve().parent / "jars" / "pom.xml"
DEBEZIUM_PLUGIN = "debezium-connector-postgres"
_DONE = ".complete"


@dataclass(frozen=True)
class Jars:
    kafka: Path  # broker + Connect worker classpath (java -cp "<kafka>/*")
    plugin_path: Path  # Connect's plugin.path: one sub-folder per plugin

    @property
    def classpath(self) -> str:
        return f"{self.kafka}/*"

    @property
    def debezium(self) -> Path:
        return self.plugin_path / DEBEZIUM_PLUGIN


def jars(cfg: StackConfig) -> Jars:
    """Where the jars for the current pom live (they may not be fetched yet)."""
    # Keyed by the pom's content, so editing a version fetches a fresh set beside the old one.
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    root = cfg.jars_dir / digest
    return Jars(kafka=root / "kafka", plugin_path=root / "plugins")


def ensure_jars(cfg: StackConfig) -> Jars:
    """Fetch the jars with Maven unless a complete set for this pom is already cached."""
    found = jars(cfg)
    if not (found.kafka / _DONE).exists():
        _copy(found.kafka, "kafka")
        (found.kafka / _DONE).touch()
    if not (found.debezium / _DONE).exists():
        _copy(found.debezium, "debezium")
        # Connect loads a plugin child-first: a second copy of a worker jar (slf4j, jackson…)
        # would give the plugin classes that differ from the worker's.
        worker = {p.name for p in found.kafka.glob("*.jar")}
        for jar in found.debezium.glob("*.jar"):
            if jar.name in worker:
                jar.unlink()
        (found.debezium / _DONE).touch()
    return found


def _copy(dest: Path, profile: str) -> None:
    if shutil.which("mvn") is None:
        raise StackError("mvn not found: apt-get install -y maven")
    if dest.exists():
        shutil.rmtree(dest)  # a half-finished earlier run
    dest.mkdir(parents=True)
    argv = [
        "mvn", "-B", "-q", "-Dstyle.color=never", "-f", str(POM), "-P", profile,
        "dependency:copy-dependencies", f"-DoutputDirectory={dest}",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"mvn failed fetching the {profile} jars:\n{done.stdout}{done.stderr}")
