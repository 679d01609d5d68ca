"""The alert rules in monitoring/: promtool accepts them and their unit tests pass, and every alert has a runbook in
README.md and a firing and a quiet case in monitoring/tests/."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from stack.config import REPO_ROOT
from stack.packages import ensure_debian_packages

MONITORING = REPO_ROOT / "monitoring"
RULES = MONITORING / "alerts.yml"
RULE_TESTS = sorted((MONITORING / "tests").glob("*.yml"))
PROMTOOL = Path("/usr/bin/promtool")


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


@pytest.fixture(scope="module")
def promtool() -> Path:
    # Debian's prometheus package; packages.py keeps Debian from starting its daemon on the default port.
    ensure_debian_packages(PROMTOOL, "prometheus")
    return PROMTOOL


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
