"""The support desk's person page (issue 22: at most 20 ms of server CPU per page), through `moncompte serve`.

On a fresh PostgreSQL database (BENCH_DATABASE_URL's server), N people go through the whole journey over HTTP
(identity, provisional code, personal code, contact details, confirmation link, sign-in), so each has the
history an agent reads: codes, emails, a confirmed link, audit events. An agent signs in at /support/login/
with the password and the second factor, searches each person once with a reason (R-SUP2), then opens their
pages again and again, one client at a time: the server's CPU per page (gunicorn's processes), PostgreSQL's
beside it (every postgres process of the machine: run it alone), median and p99 of the answer time.

Run: .venv/bin/python -m bench.desk_bench [--journeys 20] [--views 300] [--redis]
"""

import os
import statistics
import sys
from urllib.parse import urlsplit

import psycopg

from bench.http_client import Browser, PostgresCpu, hidden, percentile, process_tree_cpu_seconds
from bench.journey_bench import Journey
from bench.server import _django, fresh_setup, load_options, serving

TARGET_CPU_MS = 20.0
LOGIN = "/support/login/"
SEARCH = "/support/personnes/"
AGENT = "agent.bench"
AGENT_PASSWORD = "Agent-du-support-2026"  # noqa: S105 - a benchmark's agent, on its own database
REASON = "Appel de la personne : courriel non reçu"


def agent_make(url: str) -> None:
    """The agent, as a supervisor would create them (password hashed, an authenticator app's device)."""
    os.environ["DATABASE_URL"] = url
    _django()
    from moncompte.support.roles import Role, staff_create

    staff_create(username=AGENT, password=AGENT_PASSWORD, role=Role.AGENT)


def agent_code() -> str:
    """The code the agent's authenticator app shows now."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=AGENT)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def agent_signed_in(base: str) -> Browser:
    desk = Browser(base)
    token = hidden(desk.request(LOGIN)[1], "csrfmiddlewaretoken")
    fields = {"csrfmiddlewaretoken": token, "username": AGENT, "password": AGENT_PASSWORD, "otp_token": agent_code()}
    status, page, _ = desk.request(LOGIN, fields)
    if status != 302:
        raise SystemExit(f"l'agent n'a pas pu se connecter ({status}) : {page[:300]}")
    return desk


def person_pages(desk: Browser, nirs: list[str]) -> list[str]:
    """Each person searched once with a reason (R-SUP2): the address of their page."""
    pages = []
    for nir in nirs:
        token = hidden(desk.request(SEARCH)[1], "csrfmiddlewaretoken")
        status, _, _ = desk.request(SEARCH, {"csrfmiddlewaretoken": token, "q": nir, "motif": REASON})
        if status != 302:
            raise SystemExit(f"recherche de {nir} : {status} au lieu d'une redirection vers sa fiche")
        pages.append(desk_location(desk, nir))
    return pages


def desk_location(desk: Browser, nir: str) -> str:
    from moncompte.accounts.models import Account

    account_id = Account.objects.filter(beneficiary__nir=nir.replace(" ", "")[:13]).values_list("pk", flat=True)[0]
    return f"{SEARCH}{account_id}/"


def main() -> int:
    parser = load_options(journeys=20, port=8784)
    parser.add_argument("--views", type=int, default=300, help="person pages opened and measured")
    args = parser.parse_args()
    url, env, people = fresh_setup(args, people=args.journeys)
    agent_make(url)
    with serving(env, port=args.port, workers=args.workers) as (base, pid), psycopg.connect(url) as db:
        for person in people:
            Journey(base, db, person).run()
        desk = agent_signed_in(base)
        pages = person_pages(desk, [person.nir for person in people])
        for page in pages:  # every worker compiles the page's templates before measuring
            desk.request(page)
        times: list[float] = []
        cpu_before = process_tree_cpu_seconds(pid)
        with PostgresCpu(urlsplit(url).path.lstrip("/")) as database_cpu:
            for n in range(args.views):
                status, text, elapsed = desk.request(pages[n % len(pages)])
                if status != 200 or "<h2>Diagnostic</h2>" not in text:
                    raise SystemExit(f"fiche {pages[n % len(pages)]} : {status}")
                times.append(elapsed * 1000)
        cpu_ms = (process_tree_cpu_seconds(pid) - cpu_before) * 1000 / args.views
        database_ms = database_cpu.seconds * 1000 / args.views
    load = os.getloadavg()[0]
    print(f"Fiche d'une personne au guichet : {args.views} pages, {len(pages)} personnes, charge {load:.1f}")
    print(f"  réponse : médiane {statistics.median(times):.1f} ms, p99 {percentile(times, 0.99):.1f} ms")
    verdict = "ATTEINT" if cpu_ms <= TARGET_CPU_MS else "MANQUÉ"
    print(f"  CPU serveur par page : {cpu_ms:.1f} ms (objectif ≤ {TARGET_CPU_MS:.0f} ms : {verdict})")
    print(f"  CPU PostgreSQL par page : {database_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
