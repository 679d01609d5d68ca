"""`python connectors/register.py http://connect:8083`: creates or updates the connector of debezium.json (beside
this file) through Kafka Connect's REST API and waits until it and its task run. Standard library only, so any image
with Python runs it (compose.yaml's register-connector job); `make up` does the same with stack/outbox_connector.py."""

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFINITION = Path(__file__).resolve().parent / "debezium.json"
TIMEOUT_S = 120


def call(method: str, url: str, body: dict[str, str] | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")}
    except OSError as error:  # not listening yet
        return 0, {"error": str(error)}


def register(connect_url: str) -> None:
    document = json.loads(DEFINITION.read_text())
    name, config = document["name"], document["config"]
    deadline = time.monotonic() + TIMEOUT_S
    # 409: the worker group is rebalancing (just after a start); 0: Connect not answering yet
    while (status := call("PUT", f"{connect_url}/connectors/{name}/config", config))[0] not in (200, 201):
        if time.monotonic() > deadline or status[0] not in (0, 409, 500, 503):
            sys.exit(f"registering {name}: {status}")
        time.sleep(1)
    while True:
        code, state = call("GET", f"{connect_url}/connectors/{name}/status")
        parts = [state.get("connector", {}), *state.get("tasks", [])] if code == 200 else []
        if any(part.get("state") == "FAILED" for part in parts):
            sys.exit(f"{name} failed: {json.dumps(state)}")
        if state.get("tasks") and all(part.get("state") == "RUNNING" for part in parts):
            print(f"{name} RUNNING")
            return
        if time.monotonic() > deadline:
            sys.exit(f"{name} not running after {TIMEOUT_S} s: {code} {state}")
        time.sleep(1)


if __name__ == "__main__":
    register(sys.argv[1])
