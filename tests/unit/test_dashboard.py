"""The Grafana dashboard (monitoring/grafana/dashboards/wallet.json): well-formed for Grafana's provisioning, every
query parses as PromQL, and docs/observability.md lists exactly its panels and queries, for Prometheus's own UI.

After changing the dashboard: `uv run python -m tests.unit.test_dashboard` rewrites the doc's list from it."""

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from stack.config import REPO_ROOT
from stack.packages import ensure_debian_packages

DASHBOARD = REPO_ROOT / "monitoring" / "grafana" / "dashboards" / "wallet.json"
DOC = REPO_ROOT / "docs" / "observability.md"
BEGIN = "<!-- dashboard queries: generated from monitoring/grafana/dashboards/wallet.json, do not edit -->"
END = "<!-- end of dashboard queries -->"
PROMETHEUS_UI = "http://127.0.0.1:9090"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
PROMTOOL = Path("/usr/bin/promtool")


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


def test_dashboard_is_provisionable() -> None:
    board = dashboard()
    assert board["uid"] == "wallet" and board["schemaVersion"] >= 39
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    titles = [title for _, title, _ in queries(board)]
    assert len(titles) == len(set(titles)), "panel titles repeat (the doc and the test name panels by title)"
    for panel in board["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"] == DATASOURCE, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"] == DATASOURCE and target["expr"].strip(), panel["title"]
                # the same text must run in Prometheus's UI: no Grafana variable ($__rate_interval, $replica…)
                assert "$" not in target["expr"], (panel["title"], target["expr"])


def test_every_query_parses(tmp_path: Path) -> None:
    """Each query as a recording rule: promtool parses it as Prometheus would."""
    ensure_debian_packages(PROMTOOL, "prometheus")
    exprs = [expr for _, _, each in queries(dashboard()) for expr in each]
    rules = [{"record": f"dashboard:query_{i}", "expr": expr} for i, expr in enumerate(exprs)]
    file = tmp_path / "dashboard_rules.yml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    done = subprocess.run([str(PROMTOOL), "check", "rules", str(file)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_doc_lists_the_dashboards_queries() -> None:
    assert documented() == render(dashboard()), (
        "docs/observability.md differs from the dashboard: run `uv run python -m tests.unit.test_dashboard`"
    )


def write_doc() -> None:
    text = DOC.read_text()
    DOC.write_text(text.replace(documented(), render(dashboard())))


if __name__ == "__main__":
    write_doc()
