"""What tests/deploy share: the files of deploy/, and the environment a shell makes of the example file."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "moncompte.env.example"
README = DEPLOY / "README.md"


def commands_under(heading: str) -> str:
    """The first ```sh block of deploy/README.md under the heading `heading` (its whole line): what the operator
    copies, which the test then runs."""
    text = README.read_text()
    start = text.index(f"\n{heading}\n")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert block, f"no ```sh block under « {heading} » in deploy/README.md"
    return block[1]


def sourced(path: Path) -> dict[str, str]:
    """The variables `set -a; . file` exports, as the deploy README has the operator do: a line the shell cannot
    read stops it (set -e) with its message."""
    done = subprocess.run(
        ["/bin/bash", "-ec", 'set -a; . "$1"; set +a; env -0', "bash", str(path)],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert not done.stderr, done.stderr.decode()
    pairs = (entry.partition("=") for entry in done.stdout.decode().split("\0") if entry)
    return {name: value for name, _, value in pairs if name not in {"PATH", "PWD", "SHLVL", "_"}}
