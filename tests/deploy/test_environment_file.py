"""Issue 23, point 14: the shipped deploy/moncompte.env.example works as it is read — by a shell (`set -a; .`),
by `moncompte check`, by a Prometheus calling 127.0.0.1 with the token — and the database user it names has the
password a stock PostgreSQL asks for over TCP."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dj_database_url
import pytest
from django.test import Client as HttpClient

from tests.deploy.helpers import DEPLOY, EXAMPLE, sourced

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def test_a_shell_reads_every_value_of_the_example_as_systemd_does():
    variables = sourced(EXAMPLE)
    assert variables["MONCOMPTE_SERVICE_NAME"] == "compte ameli"
    assert variables["DATABASE_URL"].startswith("postgres://moncompte:")
    assert variables["MONCOMPTE_METRICS_NETWORKS"] == "127.0.0.1/32,::1/128"


def test_moncompte_check_passes_on_the_sourced_example(tmp_path):
    # Only what an operator must fill in (the key) and where this test may write are given after the file.
    script = 'set -a; . "$1"; set +a; export SECRET_KEY="$2" MONCOMPTE_VAR_DIR="$3"; exec "$4" check'
    done = subprocess.run(
        ["/bin/bash", "-ec", script, "bash", str(EXAMPLE), "k" * 50, str(tmp_path), MONCOMPTE],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert not done.stderr


@pytest.mark.django_db
def test_prometheus_on_the_same_machine_reads_metrics_with_the_token_under_the_example_hosts(settings):
    example = sourced(EXAMPLE)
    settings.ALLOWED_HOSTS = example["ALLOWED_HOSTS"].split(",")
    settings.MONCOMPTE = replace(settings.MONCOMPTE, metrics_token="jeton-de-supervision-assez-long")
    # Prometheus calls `moncompte serve` at 127.0.0.1:8000, as deploy/prometheus/prometheus.yml says
    response = HttpClient().get(
        "/metrics", HTTP_HOST="127.0.0.1:8000", HTTP_AUTHORIZATION="Bearer jeton-de-supervision-assez-long"
    )
    assert response.status_code == 200
    assert b"moncompte_http_requests_total" in response.content


def test_the_documented_database_user_has_the_password_the_example_url_carries():
    readme = (DEPLOY / "README.md").read_text()
    assert "createuser --pwprompt moncompte" in readme
    url = dj_database_url.parse(sourced(EXAMPLE)["DATABASE_URL"])
    assert url["USER"] == "moncompte"
    assert url["PASSWORD"]
