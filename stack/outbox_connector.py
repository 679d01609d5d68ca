"""Registers connectors/debezium.json with Kafka Connect (create or update) and waits for RUNNING."""

import json
from typing import Any

from stack import connect
from stack.config import REPO_ROOT, StackConfig

CONNECTOR_FILE = REPO_ROOT / "connectors" / "debezium.json"


def definition() -> tuple[str, dict[str, Any]]:
    document = json.loads(CONNECTOR_FILE.read_text())
    return document["name"], document["config"]


def register(cfg: StackConfig, timeout: float = 90) -> str:
    name, config = definition()
    connect.register_connector(cfg, config, name)
    connect.wait_connector_running(cfg, name, timeout)
    return name
