"""The alert rules in monitoring/: promtool accepts them and their unit tests pass, and every alert has a runbook in
README.md and a firing and a quiet case in monitoring/tests/."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from stack.config import REPO_ROOT
from tests.monitoring_files import RULE_TESTS, RULES, alert_names, installed_promtool, rules, runbooks


@pytest.fixture(scope="module")
def promtool() -> Path:
    return installed_promtool()


def run(promtool: Path, *args: str) -> None:
    done = subprocess.run([str(promtool), *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, f"promtool {' '.join(args)} failed:\n{done.stdout}{done.stderr}"


def test_promtool_accepts_the_rules(promtool: Path) -> None:
    run(promtool, "check", "rules", str(RULES))


def test_promtool_unit_tests_pass(promtool: Path) -> None:
    assert RULE_TESTS
    run(promtool, "test", "rules", *map(str, RULE_TESTS))


def test_every_alert_has_a_severity_a_summary_and_a_description() -> None:
    for rule in rules():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


def test_every_alert_has_its_runbook_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    for alert, anchor in runbooks().items():
        assert f'<a id="{anchor}"></a>**{alert}**' in readme, f"README.md has no runbook for {alert} (#{anchor})"
    # and no runbook is left behind by a renamed or removed alert
    assert sorted(re.findall(r'<a id="(alert-[a-z0-9-]+)"></a>', readme)) == sorted(runbooks().values())


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for file in RULE_TESTS:
        document = yaml.safe_load(file.read_text())
        assert document["rule_files"] == ["../alerts.yml"], file
        for case in document["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert set(alert_names()) - firing == set(), "alerts no test sees firing"
    assert set(alert_names()) - quiet == set(), "alerts no test sees quiet"
    assert firing | quiet <= set(alert_names()), "tests of alerts that do not exist"


def test_every_severity_of_an_alert_is_seen_firing() -> None:
    """An alert with a warning and a critical rule has a case where each fires."""
    seen: set[tuple[str, str]] = set()
    for file in RULE_TESTS:
        for case in yaml.safe_load(file.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                for alert in check.get("exp_alerts") or []:
                    seen.add((check["alertname"], alert["exp_labels"]["severity"]))
    assert {(rule["alert"], rule["labels"]["severity"]) for rule in rules()} <= seen
