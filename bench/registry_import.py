"""The registry import at national scale (issue 13): a generated file of N lines (1,000,000 by default) imported
by `moncompte import_beneficiaries` into a fresh PostgreSQL database, streamed. Prints rows per second and the
peak memory of the importing process (targets: ≥ 50,000 rows/s, ≤ 200 MB whatever the size).

Run: .venv/bin/python -m bench.registry_import [--lines 1000000] [--again]  (--again imports the file a second
time: every line unchanged)
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.server import MONCOMPTE, ROOT, SECRET_KEY, fresh_database

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench")
DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20]


def with_key(nir13: str) -> str:
    return f"{nir13}{97 - int(nir13) % 97:02d}"


def generate(path: Path, lines: int) -> None:
    """Distinct valid people (department, commune and order vary), written line by line."""
    rng = random.Random(7)
    with path.open("w") as out:
        out.write("nir,last_name,first_name,birth_date,postal_code\n")
        for index in range(lines):
            birth = date(1940 + rng.randrange(65), 1 + rng.randrange(12), 1 + rng.randrange(28))
            department = DEPARTMENTS[index % len(DEPARTMENTS)]
            commune, order = 1 + (index // len(DEPARTMENTS)) // 999 % 999, 1 + (index // len(DEPARTMENTS)) % 999
            nir = f"{1 + index % 2}{birth:%y}{birth:%m}{department}{commune:03d}{order:03d}"
            out.write(f"{with_key(nir)},PETIT,Jeanne,{birth.isoformat()},75011\n")


def run_import(path: Path, env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    subprocess.run([MONCOMPTE, "import_beneficiaries", str(path)], env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--again", action="store_true")
    args = parser.parse_args()
    fresh_database(DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE,
        "SECRET_KEY": SECRET_KEY,
        "MONCOMPTE_VAR_DIR": str(ROOT / "var" / "bench"),
    }
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    path = ROOT / "var" / "bench" / f"registry_{args.lines}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        generate(path, args.lines)
    print(f"Fichier : {args.lines} lignes, {path.stat().st_size / 1e6:.0f} Mo")
    for run in ("premier import", "second import (tout inchangé)")[: 2 if args.again else 1]:
        elapsed, peak = run_import(path, env)
        print(
            f"  {run} : {elapsed:.1f} s, {args.lines / elapsed:,.0f} lignes/s, mémoire maximale {peak:.0f} Mo".replace(
                ",", " "
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
