"""The `moncompte` command next to the demo (README, Commandes): a command typed by hand works on the demo's
database with the demo's key, and a missing setting is said in French, without a traceback."""

import os
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
PASSWORD = "Superviseur-du-support-2026"
# Runs no database of the test session (each command opens its own SQLite file): the same on both passes.
pytestmark = pytest.mark.without_database


def moncompte(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as a person types it: no SECRET_KEY, no DATABASE_URL, no Redis, in the var directory."""
    unset = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG", "MONCOMPTE_DEMO", "MONCOMPTE_CAPTCHA_TEST_ANSWER")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    given = {**clean, "MONCOMPTE_VAR_DIR": str(var_dir), **env}
    return subprocess.run([MONCOMPTE, *args], env=given, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture
def demo_var(tmp_path: Path) -> Path:
    """The var directory the demo leaves: its database migrated with the demo's own key (moncompte demo)."""
    done = moncompte(tmp_path, "migrate", "--verbosity", "0", MONCOMPTE_DEMO="1")
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_create_supervisor_works_on_the_demo_database_without_secret_key_R_SUP1(demo_var):
    done = moncompte(demo_var, "create_supervisor", "marie.martin", "--noinput", MONCOMPTE_SUPERVISOR_PASSWORD=PASSWORD)
    assert done.returncode == 0, done.stderr
    said = done.stdout.splitlines()
    assert said[0] == "Superviseur « marie.martin » créé."
    assert said[2].startswith("otpauth://totp/")
    assert f"base de la démonstration : {demo_var / 'moncompte.sqlite3'}" in done.stderr
    with closing(sqlite3.connect(demo_var / "moncompte.sqlite3")) as database:
        staff = database.execute("SELECT username, is_staff FROM auth_user").fetchall()
    assert staff == [("marie.martin", 1)]


def test_without_the_demo_nor_secret_key_the_command_says_what_it_needs_without_a_traceback(tmp_path):
    done = moncompte(tmp_path, "create_supervisor", "marie.martin", "--noinput", MONCOMPTE_SUPERVISOR_PASSWORD=PASSWORD)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("moncompte : SECRET_KEY est obligatoire hors démo : exportez SECRET_KEY")
    assert f"MONCOMPTE_VAR_DIR (cherché ici : {tmp_path}, qui doit contenir moncompte.sqlite3 et secret_key)" in (
        done.stderr
    )


def test_the_servers_never_take_the_demo_key(demo_var):
    for server in ("serve", "worker", "bounces"):
        done = moncompte(demo_var, server, "--help")
        assert done.returncode == 1, server
        assert "SECRET_KEY est obligatoire hors démo" in done.stderr


def test_a_database_url_is_never_opened_with_the_demo_key(demo_var):
    done = moncompte(demo_var, "check", DATABASE_URL=f"sqlite:///{demo_var / 'other.sqlite3'}")
    assert done.returncode == 1
    assert "SECRET_KEY est obligatoire hors démo" in done.stderr


def test_the_demo_on_a_port_in_use_says_so_in_one_sentence_without_saying_it_is_ready(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = moncompte(tmp_path, "demo", "--bind", f"127.0.0.1:{port}", "--extra-persons", "0")
    assert done.returncode == 1
    assert "prête" not in done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"moncompte : Le port {port} est déjà utilisé sur 127.0.0.1 (par une autre démonstration ou un autre "
        f"programme) : choisissez-en un autre, par exemple ./scripts/demo --bind 127.0.0.1:{port + 1}."
    )
