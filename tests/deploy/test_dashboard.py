"""Issue 23, point 16: the Grafana dashboard and the alerts name only metrics the service serves at /metrics, so
that a renamed metric breaks a test rather than a panel left empty on the day it is needed."""

import json
import re

import pytest
import yaml
from django.test import Client as HttpClient
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.helpers import DEPLOY

pytestmark = pytest.mark.django_db
METRIC = re.compile(r"\bmoncompte_[a-z0-9_]+")  # recorded series are moncompte:…, made by the rules themselves
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


def served_series() -> set[str]:
    """Every series name /metrics serves, families without a sample yet included (a counter with labels that
    nothing has counted yet is announced by its HELP and TYPE lines)."""
    browser = HttpClient()
    browser.get("/")  # so that the request metrics have samples too
    scraped = browser.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert scraped.status_code == 200
    names = set()
    for family in text_string_to_metric_families(scraped.content.decode()):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, [""])}
        names |= {sample.name for sample in family.samples}
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "moncompte.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_queries() -> list[str]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "moncompte-alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_the_dashboard_queries_only_metrics_the_service_serves():
    named = {name for query in dashboard_queries() for name in METRIC.findall(query)}
    assert {"moncompte_http_requests_total", "moncompte_http_requests_in_flight", "moncompte_ready"} <= named
    assert named - served_series() == set()


def test_the_alerts_query_only_metrics_the_service_serves():
    named = {name for query in alert_queries() for name in METRIC.findall(query)}
    assert "moncompte_http_request_duration_seconds_bucket" in named
    assert named - served_series() == set()
