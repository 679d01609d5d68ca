"""The build contexts of compose.yaml's infrastructure images (.compose/build/<component>/): the committed files of
docker/<component>/ plus what the native stack already has, so that both run the same versions and configs: the jars
of stack/jars/pom.xml, the Jaeger binary stack/jaeger.py builds, configs rendered from stack/templates/ and the native
modules' generators. Also the Debian base image, built locally where no registry is reachable."""

import os
import re
import shutil
import subprocess
from pathlib import Path
from string import Template

import yaml

from stack import connect, jaeger, jars, kafka
from stack.config import REPO_ROOT, StackConfig
from stack.processes import StackError

DOCKER_DIR = REPO_ROOT / "docker"
CONTEXTS = REPO_ROOT / ".compose" / "build"
TEMPLATES = REPO_ROOT / "stack" / "templates"
# Built by base_image() with mmdebstrap: a minimal Debian bookworm from this machine's apt sources.
LOCAL_BASE = "wallet/debian:bookworm"
APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# Certificate authorities a machine adds to Debian's (an HTTPS proxy's): the services' build stage trusts them too.
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
# What every infrastructure image's context has besides docker/<component>/, made by the functions below.
COMPONENTS = ("postgres", "kafka", "connect", "clickhouse", "redis", "proxy", "prometheus", "jaeger")


def base_image() -> str:
    """The local Debian base image (wallet/debian:bookworm), built once: ~15-75 s, cached by the engine."""
    found = subprocess.run(["docker", "image", "inspect", LOCAL_BASE], capture_output=True, check=False)
    if found.returncode == 0:
        return LOCAL_BASE
    mirror = str(APT_SOURCES) if APT_SOURCES.exists() else DEBIAN_MIRROR
    print(f"building {LOCAL_BASE} with mmdebstrap from {mirror}", flush=True)
    debootstrap = subprocess.Popen(
        ["mmdebstrap", "--quiet", "--variant=minbase", "bookworm", "-", mirror], stdout=subprocess.PIPE
    )
    imported = subprocess.run(["docker", "import", "-", LOCAL_BASE], stdin=debootstrap.stdout, check=False)
    if debootstrap.wait() != 0 or imported.returncode != 0:
        raise StackError(
            f"building {LOCAL_BASE} failed (mmdebstrap {debootstrap.returncode}, import {imported.returncode})"
        )
    return LOCAL_BASE


def prepare(cfg: StackConfig) -> Path:
    """Every infrastructure image's build context, anew (hard links to the cached jars: cheap). Returns CONTEXTS."""
    local_cas = CONTEXTS / "ca-certificates"
    shutil.rmtree(local_cas, ignore_errors=True)
    local_cas.mkdir(parents=True)
    _write(local_cas / "README", "this machine's own certificate authorities, for the services' build stage\n")
    for certificate in LOCAL_CAS.glob("*.crt"):
        shutil.copy(certificate, local_cas / certificate.name)
    for component in COMPONENTS:
        context = CONTEXTS / component
        shutil.rmtree(context, ignore_errors=True)
        shutil.copytree(DOCKER_DIR / component, context)
    found = jars.ensure_jars(cfg)
    _link_tree(found.kafka, CONTEXTS / "kafka" / "kafka")
    _write(CONTEXTS / "kafka" / "server.properties", kafka_properties())
    _link_tree(found.kafka, CONTEXTS / "connect" / "kafka")
    _link_tree(found.plugin_path, CONTEXTS / "connect" / "plugins")
    _link_tree(found.agents, CONTEXTS / "connect" / "agents")
    _write(CONTEXTS / "connect" / "worker.properties", connect_properties(cfg))
    shutil.copy(connect.JMX_EXPORTER_RULES, CONTEXTS / "connect" / "connect-jmx-exporter.yml")
    for component in ("kafka", "connect"):
        _write(CONTEXTS / component / "log4j2.properties", jars.LOG4J2)
    _write(CONTEXTS / "clickhouse" / "config.xml", clickhouse_config())
    _write(CONTEXTS / "clickhouse" / "users.xml.template", clickhouse_users())
    _write(CONTEXTS / "proxy" / "nginx.conf", nginx_config())
    shutil.copy(REPO_ROOT / "monitoring" / "prometheus.compose.yml", CONTEXTS / "prometheus" / "prometheus.yml")
    shutil.copy(REPO_ROOT / "monitoring" / "alerts.yml", CONTEXTS / "prometheus" / "alerts.yml")
    _link(jaeger.ensure_binary(cfg), CONTEXTS / "jaeger" / "jaeger")
    _write(CONTEXTS / "jaeger" / "config.yaml", jaeger_config())
    shutil.copytree(jaeger.UI_ASSETS, CONTEXTS / "jaeger" / "jaeger-ui")
    return CONTEXTS


def kafka_properties() -> str:
    """stack.kafka.properties with its data in the image's volume; the listeners are the container's (its entrypoint
    appends them from the environment)."""
    image = StackConfig(state_dir=Path("/var/lib"), host="localhost", kafka_port=9092, kafka_controller_port=9093)
    return "# stack.kafka.properties, rendered by stack/images.py\n" + kafka.properties(image)


def connect_properties(cfg: StackConfig) -> str:
    """stack.connect.properties for the worker inside compose's network, with the image's plugin folder."""
    image = cfg.model_copy(update={"host": "kafka", "kafka_port": 9092, "connect_port": 8083})
    text = connect.properties(image)
    return "# stack.connect.properties, rendered by stack/images.py\n" + _override(
        text,
        {
            "listeners": "http://0.0.0.0:8083",
            "rest.advertised.host.name": "connect",
            "plugin.path": "/opt/connect/plugins",
        },  # fmt: skip
    )


def clickhouse_config() -> str:
    """stack/templates/clickhouse-config.xml with the container's paths; its address and ports are placeholders the
    entrypoint fills from the environment (a testcontainer on the host's network takes the session's ports)."""
    root = "/var/lib/clickhouse"
    return Template((TEMPLATES / "clickhouse-config.xml").read_text()).substitute(
        host="@LISTEN_HOST@", http_port="@HTTP_PORT@", tcp_port="@TCP_PORT@",
        data=f"{root}/data", logs=f"{root}/logs", users_config=f"{root}/users.xml",
    )  # fmt: skip


def clickhouse_users() -> str:
    """stack/templates/users.xml for clients on the container network (any address, still by password); the password's
    SHA-256 is the entrypoint's, from the secret."""
    text = Template((TEMPLATES / "users.xml").read_text()).substitute(password_sha256="@PASSWORD_SHA256@")
    loopback = re.compile(r"<networks replace=\"replace\">.*?</networks>", re.S)
    if not loopback.search(text):
        raise StackError("stack/templates/users.xml: no <networks> to open to the container network")
    return loopback.sub('<networks replace="replace"><ip>::/0</ip></networks>', text)


def nginx_config() -> str:
    """stack/templates/nginx.conf in front of every gateway replica of the compose network (Docker's DNS gives each
    one's address when nginx starts), its files in /tmp/nginx, its access log on stdout."""
    return Template((TEMPLATES / "nginx.conf").read_text()).substitute(
        pid_file="/tmp/nginx/nginx.pid", access_log="/dev/stdout", temp="/tmp/nginx", listen="8000",
        servers="        server gateway:8000 max_fails=1 fail_timeout=2s;",
    )  # fmt: skip


def jaeger_config() -> str:
    """stack.jaeger.config listening on every address of the container, the UI from the image's folder."""
    image = StackConfig(host="0.0.0.0", jaeger_port=16686, jaeger_grpc_port=16685, jaeger_metrics_port=8888,
                        otlp_port=4317)  # fmt: skip
    config = jaeger.config(image)
    config["extensions"]["jaeger_query"]["ui"]["assets_path"] = "/opt/jaeger/ui"
    return "# stack.jaeger.config, rendered by stack/images.py\n" + yaml.safe_dump(config, sort_keys=False)


def _override(properties: str, values: dict[str, str]) -> str:
    lines = [line for line in properties.splitlines() if line.split("=", 1)[0] not in values]
    return "\n".join([*lines, *(f"{key}={value}" for key, value in values.items())]) + "\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _link_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(".complete"))


def _link_or_copy(source: str, target: str) -> None:
    _link(Path(source), Path(target))
