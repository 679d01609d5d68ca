"""compose.yaml, compose.test.yaml and the images' configs agree with the native stack they mirror."""

from pathlib import Path

import yaml

from stack import images
from stack.config import REPO_ROOT
from tests.service_processes import CARD_ADAPTER_TEST_SETTINGS, UNLIMITED

COMPOSE = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
TEST_OVERRIDE = yaml.safe_load((REPO_ROOT / "compose.test.yaml").read_text())
JOBS = {"kafka-topics", "migrate", "analytics-schema", "register-connector"}


def test_the_compose_test_services_run_with_the_native_test_settings() -> None:
    services = TEST_OVERRIDE["services"]
    assert services["card_adapter"]["environment"] == {
        f"CARD_ADAPTER_{name.upper()}": value for name, value in CARD_ADAPTER_TEST_SETTINGS.items()
    }
    assert services["gateway"]["environment"] == {f"GATEWAY_{name.upper()}": value for name, value in UNLIMITED.items()}


def test_every_server_runs_under_an_init_and_restarts_and_every_image_is_built_here() -> None:
    for name, service in COMPOSE["services"].items():
        if name in JOBS or "grafana" in service.get("profiles", []):
            continue
        assert service.get("init") is True and service["restart"] == "unless-stopped", name
        assert service["image"].startswith("wallet/"), name
    contexts = {Path(s["build"]["context"]).name for s in COMPOSE["services"].values() if "build" in s}
    assert set(images.COMPONENTS) <= contexts
    assert all((images.DOCKER_DIR / component / "Dockerfile").exists() for component in images.COMPONENTS)


def test_only_the_doors_for_users_are_published() -> None:
    published = {name for name, service in COMPOSE["services"].items() if service.get("ports")}
    assert published == {"proxy", "connect", "prometheus", "jaeger", "grafana"}
    assert all(port.startswith("127.0.0.1:") for s in COMPOSE["services"].values() for port in s.get("ports", []))


def test_the_images_configs_come_from_the_native_templates_with_nothing_left_unfilled() -> None:
    nginx = images.nginx_config()  # string.Template.substitute: a placeholder left unfilled would have raised
    assert "listen 8000;" in nginx and "server gateway:8000" in nginx and "pid /tmp/nginx/nginx.pid;" in nginx
    assert "log.dirs=/var/lib/kafka/data" in images.kafka_properties()
    assert "<ip>::/0</ip>" in images.clickhouse_users() and "@PASSWORD_SHA256@" in images.clickhouse_users()
    jaeger = yaml.safe_load(images.jaeger_config())
    assert jaeger["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
