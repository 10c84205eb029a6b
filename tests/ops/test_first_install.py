"""The demo's first run installs for minutes: scripts/_env.sh says how far it has got, and shows pip's output
only when the installation fails (issue 23)."""

import shutil
import subprocess
from pathlib import Path

import pytest

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database

ROOT = Path(__file__).resolve().parents[2]
FAKE_PIP = """#!/usr/bin/env bash
# Stands for .venv/bin/python: answers `-m pip install ...` as pip would, slowly, and nothing else.
case "$*" in
  *"-r "*)
    echo "Collecting alpha==1.0"; sleep 2.5
    echo "Collecting beta==2.0"; sleep 2.5
    echo "Installing collected packages: alpha, beta"; sleep 2.5
    [ -n "${FAIL:-}" ] && { echo "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES"; exit 1; }
    exit 0 ;;
  *) exit 0 ;;
esac
"""


def fake_project(tmp_path: Path) -> Path:
    project = tmp_path / "projet"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "_env.sh", project / "scripts" / "_env.sh")
    (project / "requirements").mkdir()
    lock = "# a comment\nalpha==1.0 \\\n    --hash=sha256:00\n    # via beta\nbeta==2.0 \\\n    --hash=sha256:11\n"
    (project / "requirements" / "main.lock").write_text(lock)
    (project / "pyproject.toml").write_text("")
    python = project / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PIP)
    python.chmod(0o755)
    return project


def install(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command = f"source {project}/scripts/_env.sh main && echo PRET"
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env}
    )


def test_the_first_install_says_how_many_packages_it_has_reached(tmp_path):
    project = fake_project(tmp_path)
    done = install(project)
    assert done.returncode == 0, done.stderr
    said = done.stdout
    assert "Installation des dépendances figées (main.lock) : quelques minutes la première fois" in said
    assert "paquets téléchargés et vérifiés : 1 sur 2" in said
    assert "Collecting" not in said  # pip's own lines stay in its log
    assert said.strip().endswith("PRET")
    assert (project / ".venv" / ".installed-main").exists()
    assert "Installation" not in install(project).stdout  # installed once: the next run says nothing


def test_a_failed_install_shows_pips_output_and_says_so_in_french(tmp_path):
    done = install(fake_project(tmp_path), FAIL="1")
    assert done.returncode == 1
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr
    assert "L'installation des dépendances a échoué (détails ci-dessus)." in done.stderr
    assert "PRET" not in done.stdout
