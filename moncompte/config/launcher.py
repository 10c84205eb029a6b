"""The `moncompte` console script (moncompte/__main__.py): every Django management command, plus demo, serve,
worker. It prepares the process's environment before Django reads it, so it lives with the settings."""

import os
import sys
from pathlib import Path

from moncompte.config import env

# Processes that count into Prometheus' shared files (R-DLV4): the web server's workers, the mail worker and
# the bounce receiver. The variable must be set before prometheus_client is imported.
COUNTING_COMMANDS = {"serve", "worker", "bounces"}


def metrics_directory(command: str) -> None:
    if command not in COUNTING_COMMANDS or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    directory = env.var_dir() / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    if command == "serve":
        forget_dead_processes(directory)


def forget_dead_processes(directory: Path) -> None:
    """Drops the live gauges of processes that ended (a request in flight when one was killed), as gunicorn's
    master does for its own (web/gunicorn_conf.py, child_exit). Their counters and histograms stay: they are
    part of the totals, which must never go back (Prometheus would read a drop as a reset and count it all again
    in rate() and increase()), whether the process ended at a SIGHUP, a restart, or belonged to another `serve`,
    worker or bounces sharing the directory. So the directory holds a few files per process ever started: see
    deploy/README.md (« Alertes et tableau de bord ») says how to empty it."""
    from prometheus_client import multiprocess  # after PROMETHEUS_MULTIPROC_DIR is set

    dead = {path.stem.rpartition("_")[2] for path in directory.glob("gauge_live*.db")}
    for pid in sorted(dead):
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            multiprocess.mark_process_dead(int(pid), str(directory))  # type: ignore[no-untyped-call]


# Django lists its commands without settings; every other command needs them.
HELP_WORDS = {"", "help", "--help", "-h", "version", "--version"}


def beside_the_demo(command: str) -> bool:
    """A command typed by hand next to the demo (create_supervisor, funnel, shell…): no SECRET_KEY, no
    DATABASE_URL, and the var directory holds the demo's database and its key. It then works on the demo's
    database with the demo's key, as the demo does; the long-running processes never do."""
    if command in COUNTING_COMMANDS or env.text("SECRET_KEY") or env.text("DATABASE_URL"):
        return False
    directory = env.var_dir()
    return (directory / env.DEMO_KEY_FILE).is_file() and (directory / env.DEMO_DATABASE_FILE).is_file()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "demo" or beside_the_demo(command):
        # Read by the settings: the demo may run without SECRET_KEY (its key is kept under var/).
        os.environ["MONCOMPTE_DEMO"] = "1"
        if command != "demo":
            print(f"(base de la démonstration : {env.var_dir() / env.DEMO_DATABASE_FILE})", file=sys.stderr)
    if command:
        metrics_directory(command)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, connections

    if command not in HELP_WORDS:
        try:
            settings.INSTALLED_APPS  # noqa: B018 (reads the settings: a missing or wrong variable is said plainly)
        except ImproperlyConfigured as refused:
            sys.exit(f"moncompte : {refused}")
    try:
        execute_from_command_line(sys.argv)
    except OperationalError as refused:
        # Refused before any connection opened (host unknown, nothing listening, password refused, no such
        # database): a setting to fix, said in one sentence. Failing on an open connection keeps its traceback.
        if any(each.connection is not None for each in connections.all(initialized_only=True)):
            raise
        why = (str(refused).strip().splitlines() or [type(refused).__name__])[0]
        sys.exit(
            f"moncompte : la base de données de DATABASE_URL ne répond pas : {why} "
            "(`moncompte check --database default` le vérifie)."
        )
