"""R-LIM4: does the web sign-in's answer time tell whether a NIR has an account? (issue 21, point 6)

A real `moncompte serve` on PostgreSQL. Half of the registry's people get an active account with a personal
code (and the used provisional code of their journey); the other half have none. Each round signs in once
with a NIR that has an account and once with one that has none, both with the same wrong personal code, in
a random order, from the same browser; the difference of the two answer times is one paired sample.

Prints the median and mean of the paired differences (account minus none, in ms), the z of the mean
(paired t with n large) and of Wilcoxon's signed ranks, and the median of each side; the differences are
written to var/bench/sign_in_timing.json. Target: |median difference| <= 1 ms and |z| < 2 at
2,000 rounds. The machine is shared: run it alone, and read the figures as noisy.

With --staff (R-SUP1, R-SUP6, issue 21's fresh attacker): the support desk's sign-in (/support/login/) with a
user name that exists (an agent) and one that does not, the same wrong password, in pairs likewise: does the
time tell whether a user name exists? The staff limits stay on, their sizes raised so no name is suspended.

Run: .venv/bin/python -m bench.sign_in_timing [--rounds 2000] [--people 200] [--redis] [--staff]
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
from collections.abc import Callable
from datetime import timedelta

from bench.http_client import Browser, hidden
from bench.server import ROOT, Person, _django, fresh_setup, load_options, serving

WRONG = "Mauvais-code-1234"
STAFF_LOGIN = "/support/login/"
STAFF_WRONG = "Mauvais-mot-de-passe-2026"
STAFF_PASSWORD = "Agent-du-support-2026"  # noqa: S105 - a benchmark's agents, on its own database
RAW = ROOT / "var" / "bench" / "sign_in_timing.json"  # the paired differences, for another test
STAFF_RAW = ROOT / "var" / "bench" / "staff_sign_in_timing.json"
USES_PER_NIR = 20  # every NIR is tried this many times: under the free failures set below, never suspended


def accounts_make(url: str, people: list[Person]) -> None:
    """Active accounts with a personal code, written directly (a journey each would take minutes)."""
    os.environ["DATABASE_URL"] = url
    _django()
    from moncompte.accounts import passwords
    from moncompte.accounts.models import Account
    from moncompte.accounts.states import AccountState
    from moncompte.core import clock, tokens
    from moncompte.enrollment.models import ProvisionalCode
    from moncompte.enrollment.provisional_codes import PURPOSE
    from moncompte.registry.models import Beneficiary

    now = clock.now()
    for person in people:
        beneficiary = Beneficiary.objects.get(nir=person.nir.replace(" ", "")[:13])
        account = Account.objects.create(
            beneficiary=beneficiary,
            state=AccountState.ACTIVE,
            created_at=now,
            code_email="bench@example.fr",
            password_hash=passwords.hash_password("Vacances-Bretagne-42"),
        )
        digest = tokens.digest(purpose=PURPOSE, value=f"{account.pk}:ABCD1234")
        ProvisionalCode.objects.create(
            account=account, digest=digest, created_at=now, expires_at=now + timedelta(minutes=30), used_at=now
        )


def agents_make(url: str, count: int) -> None:
    """`count` agents, as a supervisor would create them (password hashed as for every staff member)."""
    os.environ["DATABASE_URL"] = url
    _django()
    from moncompte.support.roles import Role, staff_create

    for n in range(count):
        staff_create(username=f"agent{n}", password=STAFF_PASSWORD, role=Role.AGENT)


def paired[T](pairs: list[tuple[T, T]], timed: Callable[[T], float]) -> tuple[list[float], list[float], list[float]]:
    """Each pair timed in a random order: (first minus second, the firsts' times, the seconds' times)."""
    differences, firsts, seconds = [], [], []
    for first, second in pairs:
        if random.random() < 0.5:
            a, b = timed(first), timed(second)
        else:
            b, a = timed(second), timed(first)
        firsts.append(a)
        seconds.append(b)
        differences.append(a - b)
    return differences, firsts, seconds


def signed_rank_z(differences: list[float]) -> float:
    """Wilcoxon's signed-rank test, normal approximation: robust to the slow outliers of a shared machine."""
    ordered = sorted((abs(d), d > 0) for d in differences if d != 0)
    n = len(ordered)
    positive = sum(rank for rank, (_, above) in enumerate(ordered, start=1) if above)
    expected, spread = n * (n + 1) / 4, math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    return (positive - expected) / spread


def report(
    differences: list[float],
    times_account: list[float],
    times_none: list[float],
    sides: tuple[str, str] = ("avec compte", "sans compte"),
) -> None:
    mean, median = statistics.mean(differences), statistics.median(differences)
    z = mean / (statistics.stdev(differences) / len(differences) ** 0.5)
    print(f"{len(differences)} tours appariés ({sides[0]} moins {sides[1]}), machine partagée : chiffres bruités")
    print(f"  différence médiane {median * 1000:+.3f} ms, moyenne {mean * 1000:+.3f} ms")
    print(f"  z : test t apparié {z:+.2f}, rangs signés de Wilcoxon {signed_rank_z(differences):+.2f}")
    print(f"  médianes : {sides[0]} {statistics.median(times_account) * 1000:.2f} ms,")
    print(f"             {sides[1]} {statistics.median(times_none) * 1000:.2f} ms")


def main() -> int:
    parser = load_options(journeys=0, port=8767)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--people", type=int, default=200, help="registry people, half of them with an account")
    parser.add_argument("--staff", action="store_true", help="the desk's sign-in: an agent's name against none")
    args = parser.parse_args()
    args.workers = args.workers or 1  # one process: both sides meet the same caches and connections
    url, env, people = fresh_setup(args, people=args.people)
    if args.staff:
        return staff_main(args, url, env)
    with_account, without = people[: args.people // 2], people[args.people // 2 :]
    accounts_make(url, with_account)
    # The limits stay on (they are part of what is timed); only their sizes are raised so no NIR is suspended.
    env |= {
        "MONCOMPTE_SIGN_IN_FREE_FAILURES": str(USES_PER_NIR + 1),
        "MONCOMPTE_SIGN_IN_MAX_FAILURES_PER_DAY": str(USES_PER_NIR + 2),
        "MONCOMPTE_SIGN_IN_MAX_FAILURES_PER_CLIENT": "1000000",
    }
    rounds = min(args.rounds, len(without) * USES_PER_NIR, len(with_account) * USES_PER_NIR)
    pairs = [(with_account[i % len(with_account)], without[i % len(without)]) for i in range(rounds)]
    random.Random(21).shuffle(pairs)
    with serving(env, port=args.port, workers=args.workers) as (base, _):
        browser = Browser(base)
        token = hidden(browser.request("/connexion/")[1], "csrfmiddlewaretoken")

        def timed(person: Person) -> float:
            status, page, elapsed = browser.request(
                "/connexion/", {"csrfmiddlewaretoken": token, "nir": person.nir, "code": WRONG}
            )
            if status != 200 or "Trop de tentatives" in page:  # a suspension would time another path
                raise SystemExit(f"réponse inattendue {status} : {page[:300]}")
            return elapsed

        for _ in range(20):  # warm-up: connections, caches, Argon2's memory
            timed(without[0])
        differences, times_account, times_none = paired(pairs, timed)
    report(differences, times_account, times_none)
    RAW.write_text(json.dumps({"account_minus_none_seconds": differences}))
    return 0


def staff_main(args: argparse.Namespace, url: str, env: dict[str, str]) -> int:
    """--staff: pairs of wrong sign-ins at the desk, one with an agent's user name, one with a name nobody has."""
    agents = max(1, args.people // 2)
    agents_make(url, agents)
    env |= {"MONCOMPTE_STAFF_MAX_FAILURES": "1000000"}  # on, but never reached: a refusal would time another path
    pairs = [(f"agent{i % agents}", f"personne{i}") for i in range(args.rounds)]
    random.Random(21).shuffle(pairs)
    with serving(env, port=args.port, workers=args.workers) as (base, _):
        browser = Browser(base)
        token = hidden(browser.request(STAFF_LOGIN)[1], "csrfmiddlewaretoken")

        def timed(username: str) -> float:
            fields = {"csrfmiddlewaretoken": token, "username": username, "password": STAFF_WRONG, "otp_token": ""}
            status, page, elapsed = browser.request(STAFF_LOGIN, fields)
            if status != 200 or "Trop de tentatives" in page:
                raise SystemExit(f"réponse inattendue {status} : {page[:300]}")
            return elapsed

        for _ in range(20):  # warm-up
            timed("personne-chauffe")
        differences, times_known, times_unknown = paired(pairs, timed)
    report(differences, times_known, times_unknown, sides=("nom d'agent", "nom inconnu"))
    STAFF_RAW.write_text(json.dumps({"known_minus_unknown_seconds": differences}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
