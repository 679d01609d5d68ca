"""The Grafana dashboard (monitoring/grafana/dashboards/wallet.json): well-formed for Grafana's provisioning, every
query parses as PromQL, and docs/observability.md lists exactly its panels and queries, for Prometheus's own UI.

After changing the dashboard: `uv run python -m tests.monitoring_files` rewrites the doc's list from it."""

import subprocess
from pathlib import Path

import yaml

from tests.monitoring_files import DATASOURCE, dashboard, documented, installed_promtool, queries, render


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
    promtool = installed_promtool()
    exprs = [expr for _, _, each in queries(dashboard()) for expr in each]
    rules = [{"record": f"dashboard:query_{i}", "expr": expr} for i, expr in enumerate(exprs)]
    file = tmp_path / "dashboard_rules.yml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    done = subprocess.run([str(promtool), "check", "rules", str(file)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_doc_lists_the_dashboards_queries() -> None:
    assert documented() == render(dashboard()), (
        "docs/observability.md differs from the dashboard: run `uv run python -m tests.monitoring_files`"
    )
