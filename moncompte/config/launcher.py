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
    """Drops the files of processes that ended (Prometheus sees a counter reset, which it expects), so that the
    directory does not grow with every restart."""
    for path in directory.glob("*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        # Read by the settings: the demo may run without SECRET_KEY and shows the local mailbox.
        os.environ["MONCOMPTE_DEMO"] = "1"
    if len(sys.argv) > 1:
        metrics_directory(sys.argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
