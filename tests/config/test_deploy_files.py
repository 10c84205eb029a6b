"""Issue 14: deploy/ says everything an operator needs, and stays true as the code changes."""

import re
from pathlib import Path

import pytest

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database

ROOT = Path(__file__).resolve().parents[2]
READ_FROM_ENVIRONMENT = re.compile(r"""(?:env\.(?:text|flag|networks)|os\.environ\.get)\(\s*["']([A-Z_]+)["']""")


def variables_read_by_the_code() -> set[str]:
    found = set()
    for source in (ROOT / "moncompte").rglob("*.py"):
        found |= set(READ_FROM_ENVIRONMENT.findall(source.read_text()))
    return found


def test_the_environment_file_documents_every_variable_the_code_reads():
    documented = (ROOT / "deploy" / "moncompte.env.example").read_text()
    variables = variables_read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "MONCOMPTE_TRUSTED_PROXIES"} <= variables
    missing = sorted(name for name in variables if name not in documented)
    assert not missing, f"variables absent de deploy/moncompte.env.example : {missing}"


def test_the_units_run_the_commands_the_readme_describes():
    web = (ROOT / "deploy" / "systemd" / "moncompte-web.service").read_text()
    worker = (ROOT / "deploy" / "systemd" / "moncompte-worker.service").read_text()
    assert "moncompte serve --bind 127.0.0.1:8000" in web
    assert "ExecReload=/bin/kill -HUP $MAINPID" in web
    assert "moncompte worker" in worker
    for unit in (web, worker):
        for hardening in ("NoNewPrivileges=yes", "ProtectSystem=strict", "Restart=always", "EnvironmentFile="):
            assert hardening in unit
    # The worker finishes the message it is sending (120 s at most) before systemd kills it.
    stop = re.search(r"TimeoutStopSec=(\d+)", worker)
    assert stop
    assert int(stop[1]) > 120
