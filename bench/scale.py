"""Does the journey slow down as the country enrols? (issue 13)

For each size (10,000 and 1,000,000 by default), a fresh PostgreSQL database gets that many insured people
(COPY) and as many active accounts with a confirmed address (INSERT … SELECT, in the database), then these are
timed, each on people drawn at random, median and p99 of the wall time:
- the identity step's reads (the person by NIR, birth date and postal code; their account);
- signing in with the personal code (`sign_in`, the real use case: limits, reads, audit). The accounts' hashes use
  Argon2id's smallest parameters, so the figure is the database's work, not the hash's (Argon2id is constant);
- the email-uniqueness check (`claim_pending` with an address of another account, refused);
- the 21-day job (`pending_emails_forget`) with 200 overdue addresses, whatever the number of accounts.
Target: at 1,000,000, each at most 1.2 × its time at 10,000.

Run: .venv/bin/python -m bench.scale [--sizes 10000 1000000] [--samples 400]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from argon2 import PasswordHasher

from bench.server import MONCOMPTE, ROOT, SECRET_KEY, fresh_database

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench").rsplit("/", 1)[0]
DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20]
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PERSONAL_CODE = "Vacances-Bretagne-42"
OVERDUE = 200
TARGET_RATIO = 1.2


def person(index: int) -> tuple[str, date, str]:
    """Distinct people: (NIR without key, birth date, postal code), the same for an index at every size."""
    rng = random.Random(index)
    birth = date(1940 + rng.randrange(65), 1 + rng.randrange(12), 1 + rng.randrange(28))
    department = DEPARTMENTS[index % len(DEPARTMENTS)]
    commune, order = 1 + (index // len(DEPARTMENTS)) // 999 % 999, 1 + (index // len(DEPARTMENTS)) % 999
    return f"{1 + index % 2}{birth:%y}{birth:%m}{department}{commune:03d}{order:03d}", birth, f"{department}100"


def build(url: str, size: int) -> None:
    fresh_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "MONCOMPTE_VAR_DIR": str(ROOT / "var" / "bench"),
    }
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    cheap_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PERSONAL_CODE)
    with psycopg.connect(url) as db:
        with db.cursor().copy(
            "COPY registry_beneficiary (nir, last_name, first_name, birth_date, postal_code) FROM STDIN"
        ) as copy:
            for index in range(size):
                nir, birth, postal = person(index)
                copy.write_row((nir, "PETIT", "Jeanne", birth, postal))
        db.execute(
            "INSERT INTO accounts_account (beneficiary_id, state, created_at, state_changed_at, code_email, "
            "password_hash, mobile, landline, session_epoch, failed_sign_ins) "
            "SELECT id, 'active', %s, %s, 'p' || id || '@example.fr', %s, '', '', 0, 0 FROM registry_beneficiary",
            (NOW, NOW, cheap_hash),
        )
        db.execute(
            "INSERT INTO accounts_emailaddress (account_id, address, canonical, created_at, confirmed_at, "
            "undeliverable_reason) SELECT id, code_email, code_email, %s, %s, '' FROM accounts_account",
            (NOW, NOW),
        )
        db.commit()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE")


def timed(operation: object, samples: int) -> tuple[float, float]:
    """Median and p99 in milliseconds of `operation(index)` for `samples` random people, after a warm-up."""
    assert callable(operation)
    rng = random.Random(11)
    for _ in range(50):
        operation(rng.randrange(SIZE))
    spent = []
    for _ in range(samples):
        index = rng.randrange(SIZE)
        started = time.perf_counter()
        operation(index)
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return statistics.median(spent), spent[min(len(spent) - 1, int(len(spent) * 0.99))]


SIZE = 0


def measure(url: str, size: int, samples: int) -> dict[str, tuple[float, float]]:
    """Runs in its own process, Django pointed at the database of this size."""
    global SIZE
    SIZE = size
    os.environ.update(
        DJANGO_SETTINGS_MODULE="moncompte.config.settings",
        DATABASE_URL=url,
        SECRET_KEY=SECRET_KEY,
        MONCOMPTE_VAR_DIR=str(ROOT / "var" / "bench"),
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.db import connection

    from moncompte.accounts import emails
    from moncompte.accounts.models import Account, EmailAddress, EmailLink
    from moncompte.core.client import Client
    from moncompte.enrollment.code_send import _identity_match
    from moncompte.enrollment.email_links import pending_emails_forget
    from moncompte.registry.nir import Nir
    from moncompte.selfservice.sign_in import sign_in

    client = Client("198.51.100.7", "bench")

    def identity(index: int) -> None:
        nir, birth, postal = person(index)
        found = _identity_match(nir=Nir(nir), birth_date=birth, postal_code=postal, client=client, now=NOW)
        assert Account.objects.filter(beneficiary=found).first() is not None

    def signing_in(index: int) -> None:
        nir, _, _ = person(index)
        # A different client address each time: the limits stay out of the way, as for different people.
        sign_in(nir=Nir(nir), secret=PERSONAL_CODE, client=Client(f"10.{index % 250}.0.1", "bench"), now=NOW)

    def uniqueness(index: int) -> None:
        account = Account.objects.get(beneficiary__nir=person(index)[0])
        other = Account.objects.get(beneficiary__nir=person((index + 1) % size)[0])
        try:
            emails.claim_pending(account=account, address=other.code_email, now=NOW)
        except emails.EmailTaken:
            return
        raise AssertionError("an address of another account was accepted")

    results = {
        "identity step (reads)": timed(identity, samples),
        "sign-in, personal code": timed(signing_in, samples),
        "email uniqueness": timed(uniqueness, samples),
    }
    runs = []
    for run in range(5):
        rng = random.Random(run)
        chosen = Account.objects.filter(pk__in=[1 + rng.randrange(size) for _ in range(OVERDUE * 2)])[:OVERDUE]
        sent = NOW - timedelta(days=30)
        for account in chosen:
            Account.objects.filter(pk=account.pk).update(state="email_pending")
            address = f"overdue-{run}-{account.pk}@example.fr"
            email = EmailAddress.objects.create(account=account, address=address, canonical=address, created_at=sent)
            EmailLink.objects.create(
                account=account,
                email=email,
                canonical=address,
                digest=f"{run:02d}{account.pk:062d}",
                sent_at=sent,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE accounts_emailaddress")
        started = time.perf_counter()
        forgotten = pending_emails_forget(now=NOW)
        runs.append((time.perf_counter() - started) * 1000)
        assert forgotten == len(chosen), (forgotten, len(chosen))
        Account.objects.filter(pk__in=[a.pk for a in chosen]).update(state="active")
    runs.sort()
    results[f"21-day job, {OVERDUE} overdue"] = (statistics.median(runs), runs[-1])
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--measure", nargs=2, metavar=("URL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), args.samples)))
        return 0
    figures: dict[int, dict[str, list[float]]] = {}
    for size in args.sizes:
        url = f"{ADMIN}/moncompte_scale"
        started = time.perf_counter()
        build(url, size)
        print(f"{size:>9,} comptes générés en {time.perf_counter() - started:.0f} s".replace(",", " "), flush=True)
        output = subprocess.run(
            [sys.executable, "-m", "bench.scale", "--measure", url, str(size), "--samples", str(args.samples)],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        figures[size] = json.loads(output.strip().splitlines()[-1])
    small, large = args.sizes[0], args.sizes[-1]
    print(f"{'':32} {small:>12,} {large:>12,}   rapport (médianes)".replace(",", " "))
    worst = 0.0
    for name in figures[small]:
        (median_small, p99_small), (median_large, p99_large) = figures[small][name], figures[large][name]
        ratio = median_large / median_small
        worst = max(worst, ratio)
        print(
            f"{name:32} {median_small:8.2f} ms {median_large:8.2f} ms   × {ratio:.2f}"
            f"   (p99 {p99_small:.2f} → {p99_large:.2f} ms)"
        )
    print(
        f"objectif : au plus × {TARGET_RATIO} : {'ATTEINT' if worst <= TARGET_RATIO else 'MANQUÉ'} (pire × {worst:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
