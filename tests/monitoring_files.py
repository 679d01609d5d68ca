"""The monitoring files (monitoring/alerts.yml, the Grafana dashboard) and docs/observability.md's list of the
dashboard's queries, for the tests of them. `uv run python -m tests.monitoring_files` rewrites that list from the
dashboard after a change."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from stack.config import REPO_ROOT
from stack.packages import ensure_debian_packages

PROMTOOL = Path("/usr/bin/promtool")


def installed_promtool() -> Path:
    """Debian's prometheus package; stack/packages.py keeps Debian from starting its daemon on the default port."""
    ensure_debian_packages(PROMTOOL, "prometheus")
    return PROMTOOL


MONITORING = REPO_ROOT / "monitoring"
RULES = MONITORING / "alerts.yml"
RULE_TESTS = sorted((MONITORING / "tests").glob("*.yml"))


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def alert_names() -> list[str]:
    return sorted({rule["alert"] for rule in rules() if "alert" in rule})


def runbooks() -> dict[str, str]:
    """Each alert's runbook anchor in README.md, from its runbook_url (README.md#alert-wallet-replica-down); the rules
    of one alert at two severities share it, and no two alerts do."""
    anchors: dict[str, set[str]] = {}
    for rule in rules():
        url = rule["annotations"]["runbook_url"]
        assert re.fullmatch(r"README\.md#alert-[a-z0-9-]+", url), (rule["alert"], url)
        anchors.setdefault(rule["alert"], set()).add(url.removeprefix("README.md#"))
    assert all(len(each) == 1 for each in anchors.values()), anchors
    single = {alert: each.pop() for alert, each in anchors.items()}
    assert len(set(single.values())) == len(single), "two alerts share a runbook"
    return single


DASHBOARD = REPO_ROOT / "monitoring" / "grafana" / "dashboards" / "wallet.json"
DOC = REPO_ROOT / "docs" / "observability.md"
BEGIN = "<!-- dashboard queries: generated from monitoring/grafana/dashboards/wallet.json, do not edit -->"
END = "<!-- end of dashboard queries -->"
PROMETHEUS_UI = "http://127.0.0.1:9090"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def queries(board: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(row, panel title, its queries) of every panel, in the dashboard's order."""
    found, row = [], ""
    for panel in board["panels"]:
        if panel["type"] == "row":
            row = panel["title"]
            continue
        found.append((row, panel["title"], [target["expr"] for target in panel["targets"]]))
    return found


def graph_url(exprs: list[str]) -> str:
    """Prometheus's graph page with the panel's queries, over the last hour."""
    params: dict[str, str] = {}
    for i, expr in enumerate(exprs):
        params.update({f"g{i}.expr": expr, f"g{i}.tab": "0", f"g{i}.range_input": "1h"})
    return f"{PROMETHEUS_UI}/graph?{urlencode(params)}"


def render(board: dict[str, Any]) -> str:
    descriptions = {panel["title"]: panel.get("description", "") for panel in board["panels"]}
    lines, current = [BEGIN], None
    for row, title, exprs in queries(board):
        if row != current:
            lines += ["", f"### {row}"]
            current = row
        lines += ["", f"**{title}** ([open in Prometheus]({graph_url(exprs)})): {descriptions[title]}", "", "```promql"]
        lines += exprs
        lines += ["```"]
    return "\n".join([*lines, "", END])


def documented() -> str:
    text = DOC.read_text()
    assert BEGIN in text and END in text, f"{DOC} lacks the generated list of queries"
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def write_doc() -> None:
    text = DOC.read_text()
    DOC.write_text(text.replace(documented(), render(dashboard())))


if __name__ == "__main__":
    write_doc()
