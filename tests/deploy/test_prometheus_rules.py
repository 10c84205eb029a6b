"""Issue 23, point 16: the alerts of deploy/prometheus fire when they should and not before, each one tested by
Prometheus' own `promtool` (Debian's `prometheus` package, which .ci/run installs: missing, the test fails)."""

import shutil
import subprocess

import pytest
import yaml

from tests.deploy.helpers import DEPLOY

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database

RULES = DEPLOY / "prometheus" / "moncompte-alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "moncompte-alerts.test.yml"


def promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool est introuvable : apt-get install prometheus (comme .ci/run)"
    return subprocess.run([tool, *arguments], capture_output=True, text=True, check=False, cwd=RULES.parent)


def alerts_of(path):
    return {
        rule["alert"]
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_the_alert_rules_are_valid_for_prometheus():
    checked = promtool("check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_when_its_test_says_and_not_before():
    tested = promtool("test", "rules", RULE_TESTS.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_case_that_fires_and_one_that_does_not():
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    checks = [check for case in cases for check in case.get("alert_rule_test", [])]
    firing = {check["alertname"] for check in checks if check["exp_alerts"]}
    quiet = {check["alertname"] for check in checks if not check["exp_alerts"]}
    alerts = alerts_of(RULES)
    assert {"MoncompteErreursServeur", "MoncompteLent", "MoncompteModeAttaque"} <= alerts
    assert alerts - firing == set()
    assert alerts - quiet == set()
