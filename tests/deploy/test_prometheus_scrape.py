"""Issue 23, points 14 and 16, end to end: a real Prometheus, configured by deploy/prometheus/prometheus.yml,
scrapes a real `moncompte serve` started on the sourced example environment (token, ALLOWED_HOSTS, trusted
proxy at 127.0.0.1 as with nginx on the machine), and evaluates the shipped alerts on what it read."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from moncompte.outbox.sink import free_port
from tests.deploy.helpers import DEPLOY, EXAMPLE, sourced
from tests.deploy.test_dashboard import served_series
from tests.outbox.faults import database_url

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
pytestmark = pytest.mark.django_db(transaction=True)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http://127.0.0.1 only
        return json.loads(response.read())


def started_service(tmp_path: Path, token: str) -> tuple[subprocess.Popen[bytes], int]:
    environment = sourced(EXAMPLE) | {
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": database_url(),
        "MONCOMPTE_VAR_DIR": str(tmp_path / "var"),
        "MONCOMPTE_METRICS_TOKEN": token,
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    del environment["REDIS_URL"]  # the tests' Redis is not the example's
    port = free_port()
    command = [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with (tmp_path / "serve.log").open("w") as log:
        return subprocess.Popen(command, env=environment, stdout=log, stderr=log), port


def started_prometheus(tmp_path: Path, target: int, token: str) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus est introuvable : apt-get install prometheus (comme .ci/run)"
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(DEPLOY / "prometheus" / "moncompte-alerts.yml")]
    [job] = config["scrape_configs"]
    (tmp_path / "token").write_text(token)
    job["authorization"]["credentials_file"] = str(tmp_path / "token")
    job["static_configs"] = [{"targets": [f"127.0.0.1:{target}"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    command = [
        binary,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with (tmp_path / "prometheus.log").open("w") as log:
        return subprocess.Popen(command, stdout=log, stderr=log), port


def scraped_by(prometheus: str, wanted: set[str]) -> dict[str, list[dict[str, str]]]:
    """The series Prometheus holds for the job, by name, once it holds every wanted name (20 s at most)."""
    series: dict[str, list[dict[str, str]]] = {}
    for _ in range(100):
        try:
            query = urllib.parse.urlencode({"match[]": '{job="moncompte"}'})
            found = get_json(f"{prometheus}/api/v1/series?{query}")["data"]
        except OSError:
            found = []
        series = {}
        for labels in found:
            series.setdefault(labels["__name__"], []).append(labels)
        if wanted <= set(series):
            break
        time.sleep(0.2)
    return series


def evaluated_rules(prometheus: str) -> list[dict[str, Any]]:
    """Every rule as Prometheus holds it, once each has been evaluated at least once (10 s at most)."""
    rules: list[dict[str, Any]] = []
    for _ in range(50):
        groups = get_json(f"{prometheus}/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(rule["health"] != "unknown" for rule in rules):
            break
        time.sleep(0.2)
    return rules


def test_prometheus_reads_a_real_service_with_the_example_environment_and_runs_the_alerts(tmp_path):
    token = secrets.token_urlsafe(32)
    service, port = started_service(tmp_path, token)
    prometheus, prometheus_port = started_prometheus(tmp_path, port, token)
    base, server = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{prometheus_port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/", timeout=5).close()  # noqa: S310 - http://127.0.0.1 only
                break
            except OSError:
                time.sleep(0.2)
        wanted = {"up", "moncompte_http_requests_total", "moncompte_ready", "moncompte_http_requests_in_flight"}
        series = scraped_by(server, wanted)
        rules = evaluated_rules(server)
    finally:
        prometheus.terminate()
        service.terminate()
        prometheus.wait(timeout=20)
        service.wait(timeout=20)
    logs = (tmp_path / "serve.log").read_text() + (tmp_path / "prometheus.log").read_text()
    assert wanted <= set(series), logs
    home = {"route": "web:home", "method": "GET", "status": "200"}
    assert any(home.items() <= labels.items() for labels in series["moncompte_http_requests_total"]), logs
    assert {s["check"] for s in series["moncompte_ready"]} >= {"base", "migrations", "courriels"}
    assert {"route"} <= set(series["moncompte_http_request_duration_seconds_bucket"][0])
    assert {name for name in series if name.startswith("moncompte_")} <= served_series()
    shipped = yaml.safe_load((DEPLOY / "prometheus" / "moncompte-alerts.yml").read_text())["groups"]
    assert len(rules) == sum(len(group["rules"]) for group in shipped)
    assert [(rule["name"], rule.get("lastError")) for rule in rules if rule["health"] != "ok"] == []
