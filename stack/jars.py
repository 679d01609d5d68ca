"""Fetch (once) the Kafka, Connect and Debezium jars and the JMX exporter agent that stack/jars/pom.xml names; run
them."""

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
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
    agents: Path  # Java agents (-javaagent:<jar>): the Prometheus JMX exporter

    @property
    def classpath(self) -> str:
        return f"{self.kafka}/*"

    @property
    def debezium(self) -> Path:
        return self.plugin_path / DEBEZIUM_PLUGIN

    @property
    def jmx_exporter(self) -> Path:
        [jar] = self.agents.glob("jmx_prometheus_javaagent-*.jar")
        return jar


def jars(cfg: StackConfig) -> Jars:
    """Where the jars for the current pom live (they may not be fetched yet)."""
    # Keyed by the pom's content, so editing a version fetches a fresh set beside the old one.
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    root = cfg.jars_dir / digest
    return Jars(kafka=root / "kafka", plugin_path=root / "plugins", agents=root / "agents")


def ensure_jars(cfg: StackConfig) -> Jars:
    """Fetch the jars with Maven unless a complete set for this pom is already cached."""
    found = jars(cfg)
    if all((folder / _DONE).exists() for folder in (found.kafka, found.debezium, found.agents)):
        return found
    cfg.jars_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.jars_dir / ".lock", "w") as lock:
        # two `make up`s (or test sessions) at once must not fill the same folder together
        fcntl.flock(lock, fcntl.LOCK_EX)
        _fetch(found)
    return found


def _fetch(found: Jars) -> None:
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
    if not (found.agents / _DONE).exists():
        _copy(found.agents, "agents")
        (found.agents / _DONE).touch()


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


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
# per-request and per-fetch chatter would fill the log on a long run
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.state.name = state.change.logger
logger.state.level = WARN
"""


def java_argv(
    cfg: StackConfig, name: str, main: str, *args: str, heap: str = "512m", jvm_options: Sequence[str] = ()
) -> list[str]:
    """A `java` command line running `main` on the Kafka classpath, logging to stdout; `jvm_options` go before the
    class path (a -javaagent:…)."""
    found = ensure_jars(cfg)
    log4j = cfg.path(name, "log4j2.properties")
    log4j.parent.mkdir(parents=True, exist_ok=True)
    log4j.write_text(LOG4J2)
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else "java"
    return [
        java, f"-Xmx{heap}", "-Xms64m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={log4j}", *jvm_options,
        "-cp", found.classpath, main, *args,
    ]  # fmt: skip
