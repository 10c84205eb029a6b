"""Mutation testing of the domain packages with mutmut (issue 20): each package's code is mutated one change
at a time, and each mutant is run against the tests that cover the mutated function (mutmut records which
tests call which function once, then forks one process per mutant from the process that ran them). Prints per
package: mutants, killed, survived, timeout, no tests, killed % and the time taken. Long (minutes per package):
not run by CI.

Run: .venv/bin/python -m bench.mutation [--package appsessions ...] [--commit HEAD] [--keep] [--survivors]
                                        [--mutants 'moncompte.support.actions.x_reason_*' ...] [--folder outbox-b]
                                        [--database-url postgres://postgres@127.0.0.1:5432/h_name]
                                        [--tests tests/outbox/test_wakeup.py ...]
  --package  one of PACKAGES (repeatable; all six by default)
  --commit   mutate moncompte/ and run tests/ as they are in that commit (git archive), not the work tree:
             others' unfinished changes neither fail the tests nor move the code under the run
  --keep     reuse var/mutation/<package>/ from the last run and run its survivors again (after new tests);
             the package's code is the copy made by that run, so use it only while the code is unchanged
  --survivors  print the diff of every surviving mutant (`mutmut show`)
  --mutants  run only the mutants of these names or globs (repeatable; one package): what a stopped pass
             left, or the mutants of the functions whose tests changed; the others count as "not run"
  --folder   run in var/mutation/<folder>/ rather than var/mutation/<package>/ (one package): a second pass
             of the same package beside the first, on other mutants (--mutants), each with its own database
  --database-url  run the mutants' tests on this database (PostgreSQL) instead of the folder's SQLite: the code
             written for PostgreSQL alone (outbox/queries.py) is otherwise never run. pytest-django makes its
             test database beside it (test_<name>) once (--reuse-db): one folder at a time per database, since
             every mutant of the folder (one at a time) shares it
  --tests    run the mutants against these test files (repeatable; one package) instead of the package's selection
             in PACKAGES: the tests that reach a few functions, when the whole selection is too slow or holds a
             test that measures time and fails under load (the PostgreSQL passes of docs/mutation.md)

Each package runs in its own folder var/mutation/<package>/ (a pyproject.toml with mutmut's settings and the
project's pytest settings, moncompte/ and tests/ linked), on SQLite in that folder (or --database-url), one
mutant at a time, under `nice -n 10`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"

# The package's own tests and the fast tests above it that call it (mutmut then runs, for each mutant, only
# those that reached the mutated function).
PACKAGES: dict[str, list[str]] = {
    "appsessions": [
        "tests/appsessions",
        "tests/api/test_sessions.py",
        "tests/api/test_account.py",
        "tests/support/test_restarts.py",
        # The retries of the personal code chosen in the app and its device token (R-API2, R-LIM8): without
        # them, 47 mutants of app_personal_code_choose survived.
        "tests/api/test_races.py",
        "tests/api/test_devices.py",
    ],
    "selfservice": [
        "tests/selfservice",
        "tests/api/test_sessions.py",
        "tests/support/test_restarts.py",
        "tests/enrollment/test_provisional_codes.py",
        "tests/web/test_account_pages.py",  # « Mon compte »: the only caller of selectors.phones_of (R-CT6)
        "tests/api/test_races.py",  # two changes of the personal code at once, one wins (R-LIM5)
    ],
    "enrollment": [
        "tests/enrollment",
        "tests/api/test_journey.py",
        "tests/api/test_email_confirm.py",  # the link confirmed by the app (email_confirm_or_refuse, R-EM10)
        "tests/api/test_races.py",  # two personal codes at once, one wins; a retry gets the same device (R-LIM5)
        "tests/api/test_devices.py",  # the device token of a personal code chosen in the app (R-LIM8, R-API2)
        "tests/web/test_enrollment_pages.py",
        "tests/web/test_no_email_help.py",
        "tests/defence/test_network_limit.py",  # the velocity signals the journey counts (R-BOT1)
    ],
    "support": ["tests/support"],
    "captcha": [
        "tests/captcha",
        "tests/api/test_captcha_work.py",
        "tests/web/test_captcha_pages.py",
        "tests/defence/test_attack_effects.py",  # what attack mode does to the CAPTCHA's limits (R-BOT1)
    ],
    "outbox": ["tests/outbox", "tests/accounts/test_bounces.py", "tests/accounts/test_bounce_inbox.py"],
}

# Never run for a mutant: Chromium drives real pages (seconds per test, and the pages' code is not in these
# packages); the suites below start real processes or train models, so a surviving mutant would take minutes,
# and the code they run in other processes is invisible to mutmut's record of who covers what.
IGNORED = [
    "tests/e2e",  # every test marked chromium
    "tests/captcha/test_attacks.py",  # the CI-sized CAPTCHA attack trains solvers for about 100 s
    "tests/outbox/test_delivery_faults.py",  # real `moncompte worker` processes killed, a slow relay, cut database
    "tests/security/test_faults.py",  # real server processes under faults
    "tests/ops",  # backup and restore, every migration replayed
]

# A mutant's wall-clock limit is TIMEOUT_MULTIPLIER x (its tests' duration at mutmut's first run +
# TIMEOUT_CONSTANT seconds). mutmut's defaults (15 x (d + 1 s)) let a mutant that leaves an outbox test waiting
# (a lease never released, a relay that never answers) hold the machine for 15 times its tests' 20 s. With
# 5 x (d + 1 s), on 7 December under a load of 6 to 11, three mutants whose tests take 1.2 s were cut at 11 s
# though they survive: the constant of 5 s keeps short tests clear of the load.
TIMEOUT_MULTIPLIER = 5.0
TIMEOUT_CONSTANT = 5.0

# mutmut's exit codes per mutant (mutmut/stats.py): 1 and 3 are a failed test run.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout", 24: "timeout"}
STATUS |= {-24: "timeout", 152: "timeout", 255: "timeout", 34: "skipped", 37: "killed"}


@dataclass
class Outcome:
    package: str
    counts: Counter[str]
    survivors: list[str]
    seconds: float

    @property
    def mutants(self) -> int:
        return sum(self.counts.values())

    @property
    def killed_percent(self) -> float:
        """Of the mutants that ran (an interrupted run leaves some "not run"). A timeout is a mutant noticed:
        the tests did not pass (an endless loop, a wait that never ends)."""
        ran = self.mutants - self.counts["not run"]
        noticed = self.counts["killed"] + self.counts["timeout"]
        return 100 * noticed / ran if ran else 0.0


def toml_value(value: object) -> str:
    # Strings, numbers, lists of strings and booleans only: their JSON spelling is valid TOML.
    return json.dumps(value, ensure_ascii=False)


def settings_write(folder: Path, package: str, tests: list[str] | None = None) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in project["tool"]["pytest"]["ini_options"].items()]
    mutmut = {
        "source_paths": ["moncompte"],
        "only_mutate": [f"moncompte/{package}/*"],
        "do_not_mutate": ["*/migrations/*"],
        "pytest_add_cli_args": [
            "-p",
            "no:cacheprovider",
            "-m",
            "not chromium",
            f"--basetemp={folder / 'pytest'}",
            # The folder's test database is made once, not again in each mutant's process (0.4 s each).
            "--reuse-db",
            # A forked mutant's process may end with a database connection left to the garbage collector: the
            # project's filterwarnings = error makes that ResourceWarning fail the run at its end, after every
            # test passed, and mutmut would count the mutant killed. Leaks are the normal suite's business.
            "-W",
            "ignore::ResourceWarning",
            "-p",
            "no:unraisableexception",
            # mutmut lists the tests with --collect-only when the tests changed (a run with --keep after new
            # tests): syrupy then finds every snapshot unused and ends the listing with exit 1, which stops mutmut.
            "--snapshot-warn-unused",
            # Each mutant's tests quickest first (bench/mutation_order.py): with -x, a killed mutant stops at
            # its first failing test instead of waiting for the slow ones before it.
            "-p",
            "bench.mutation_order",
            *[f"--ignore={path}" for path in IGNORED],
        ],
        "pytest_add_cli_args_test_selection": tests or PACKAGES[package],
        # A mutant's tests get TIMEOUT_MULTIPLIER x (their first run's duration + TIMEOUT_CONSTANT) of wall-clock time.
        "timeout_multiplier": TIMEOUT_MULTIPLIER,
        "timeout_constant": TIMEOUT_CONSTANT,
        # The folder lies inside the project's repository: mutmut must not read its git history.
        "use_git_change_detection": False,
    }
    lines += ["", "[tool.mutmut]"] + [f"{key} = {toml_value(value)}" for key, value in mutmut.items()]
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n")


def tree_export(commit: str, path: str, folder: Path) -> None:
    """`path` as it is in `commit` (git archive: the repository's work tree and index are left alone)."""
    archive = subprocess.run(["git", "archive", commit, path], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def folder_prepare(package: str, *, keep: bool, commit: str | None, name: str, tests: list[str] | None = None) -> Path:
    folder = WORK / name
    if folder.exists() and not keep:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("moncompte", "tests"):
        here = folder / name
        if commit is None:
            if not here.is_symlink():
                shutil.rmtree(here, ignore_errors=True)
                here.symlink_to(ROOT / name)
        elif name == "tests" or not here.exists():  # with --keep, the tests are taken again, the code is not
            if here.is_symlink():
                here.unlink()
            shutil.rmtree(here, ignore_errors=True)
            tree_export(commit, name, folder)
    settings_write(folder, package, tests)
    return folder


def environment(folder: Path, database_url: str | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # SQLite, in the folder
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.setdefault("SECRET_KEY", "mutation-testing-only")
    env["MONCOMPTE_VAR_DIR"] = str(folder / "var")
    (folder / "var").mkdir(exist_ok=True)
    return env


def statuses_read(folder: Path, package: str) -> dict[str, str]:
    """Each mutant's outcome, by name."""
    statuses = {}
    for meta in sorted((folder / "mutants" / "moncompte" / package).rglob("*.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            statuses[name] = STATUS.get(code, "not run" if code is None else f"other ({code})")
    return statuses


def results_read(statuses: dict[str, str]) -> tuple[Counter[str], list[str]]:
    counts = Counter(statuses.values())
    survivors = [name for name, status in statuses.items() if status in ("survived", "no tests")]
    return counts, survivors


def last_change(package: str) -> str:
    """The last commit that changed the package, and whether the work tree changes it now."""
    path = f"moncompte/{package}"
    commit = subprocess.run(["git", "log", "-1", "--format=%h", "--", path], cwd=ROOT, capture_output=True, text=True)
    edited = subprocess.run(["git", "status", "--porcelain", "--", path], cwd=ROOT, capture_output=True, text=True)
    return commit.stdout.strip() + (" + uncommitted changes" if edited.stdout.strip() else "")


def package_run(
    package: str,
    *,
    keep: bool,
    show: bool,
    commit: str | None,
    named: list[str],
    name: str | None = None,
    database_url: str | None = None,
    tests: list[str] | None = None,
) -> Outcome:
    before = last_change(package)
    if commit is not None:  # the same tree from start to end, even if the branch moves meanwhile
        commit = subprocess.run(
            ["git", "rev-parse", "--short", commit], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        print(f"{package}: code and tests of commit {commit}")
    folder = folder_prepare(package, keep=keep, commit=commit, name=name or package, tests=tests)
    env = environment(folder, database_url)
    earlier = statuses_read(folder, package) if keep and (folder / "mutants").exists() else {}
    again = named or results_read(earlier)[1]
    mutmut = str(ROOT / ".venv" / "bin" / "mutmut")
    started = time.monotonic()
    print(f"{package}: mutmut running, log in {folder / 'mutmut.log'}", flush=True)
    with (folder / "mutmut.log").open("w") as log:
        # One mutant at a time, niced: the machine is shared.
        run = subprocess.run(
            ["nice", "-n", "10", mutmut, "run", "--max-children", "1", *again],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=log,
        )
    seconds = time.monotonic() - started
    after = last_change(package)
    print(
        f"{package}: moncompte/{package} at {before} when the run started"
        + ("" if after == before else f", {after} now")
    )
    if run.returncode != 0:
        print(f"{package}: mutmut failed (exit {run.returncode}), see the log's end", file=sys.stderr)
    statuses = statuses_read(folder, package)
    # mutmut run with names forgets the other mutants' outcomes: those of the last run stand.
    statuses |= {name: status for name, status in earlier.items() if not any(fnmatch(name, n) for n in again)}
    counts, survivors = results_read(statuses)
    if show:
        for name in survivors:
            shown = subprocess.run([mutmut, "show", name], cwd=folder, env=env, capture_output=True, text=True)
            print(shown.stdout)
    return Outcome(package, counts, survivors, seconds)


def table_print(outcomes: list[Outcome]) -> None:
    print()
    print("| package | mutants | killed | survived | timeout | no tests | not run | killed % | time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for o in outcomes:
        c = o.counts
        print(
            f"| {o.package} | {o.mutants} | {c['killed']} | {c['survived']} | {c['timeout']} | {c['no tests']} "
            f"| {c['not run']} "
            f"| {o.killed_percent:.1f} | {o.seconds / 60:.1f} min |"
        )
    for o in outcomes:
        if o.survivors:
            print(f"\n{o.package}, survivors ({len(o.survivors)}): " + " ".join(sorted(o.survivors)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", action="append", choices=list(PACKAGES))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--survivors", action="store_true")
    parser.add_argument("--commit")
    parser.add_argument("--mutants", action="append", default=[])
    parser.add_argument("--folder")
    parser.add_argument("--database-url")
    parser.add_argument("--tests", action="append", default=[])
    args = parser.parse_args()
    if (args.mutants or args.folder or args.database_url or args.tests) and len(args.package or PACKAGES) != 1:
        parser.error("--mutants, --folder, --database-url and --tests are for one package: give one --package")
    outcomes = [
        package_run(
            package,
            keep=args.keep,
            show=args.survivors,
            commit=args.commit,
            named=args.mutants,
            name=args.folder,
            database_url=args.database_url,
            tests=args.tests or None,
        )
        for package in args.package or PACKAGES
    ]
    table_print(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
