"""The app's API next to the web: sign-in then the account overview, through `moncompte serve` on PostgreSQL.

Each simulated person (10 at a time by default) signs in and reads their account, once through the API
(POST /api/v1/sessions, GET /api/v1/account) and once through the web (GET and POST /connexion/, GET
/mon-compte/). Prints, for each: sign-ins per second, median and p99 of each request, and the server CPU per
sign-in + overview (both include one Argon2id verification, measured alone too).

Run: .venv/bin/python -m bench.api_bench [--clients 10] [--journeys 300]
"""

import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.http_client import Browser, hidden, percentile, process_tree_cpu_seconds
from bench.journey_bench import PERSONAL_CODE, argon2_cpu_ms
from bench.server import Person, fresh_setup, load_options, serving


def accounts_ready(url: str, people: list[Person]) -> None:
    """Active accounts for everybody, written directly (the journey itself is measured by journey_bench)."""
    os.environ["DATABASE_URL"] = url
    from bench.server import _django

    _django()
    from moncompte.accounts import passwords
    from moncompte.accounts.models import Account, EmailAddress
    from moncompte.core import clock
    from moncompte.registry.models import Beneficiary

    hashed, now = passwords.hash_password(PERSONAL_CODE), clock.now()
    for beneficiary in Beneficiary.objects.all():
        account = Account.objects.create(
            beneficiary=beneficiary, state="active", created_at=now, code_email="x@example.fr", password_hash=hashed
        )
        address = f"p{beneficiary.nir}@example.fr"
        EmailAddress.objects.create(
            account=account, address=address, canonical=address, created_at=now, confirmed_at=now
        )


def api_call(
    base: str, method: str, path: str, body: dict[str, str] | None = None, token: str = ""
) -> tuple[int, dict[str, Any], float]:
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, json.loads(text or b"{}"), time.perf_counter() - start


def api_person(base: str, person: Person, times: dict[str, list[float]]) -> bool:
    status, body, signed = api_call(base, "POST", "/api/v1/sessions", {"nir": person.nir, "code": PERSONAL_CODE})
    status2, _, read = api_call(base, "GET", "/api/v1/account", token=body.get("access_token", ""))
    times["API POST /sessions"].append(signed)
    times["API GET /account"].append(read)
    return (status, status2) == (200, 200)


def web_person(base: str, person: Person, times: dict[str, list[float]]) -> bool:
    browser = Browser(base)
    status, page, shown = browser.request("/connexion/")
    form = {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"), "nir": person.nir, "code": PERSONAL_CODE}
    status2, _, signed = browser.request("/connexion/", form)
    status3, _, read = browser.request("/mon-compte/")
    times["web GET /connexion/"].append(shown)
    times["web POST /connexion/"].append(signed)
    times["web GET /mon-compte/"].append(read)
    return (status, status2, status3) == (200, 302, 200)


def run(name: str, base: str, pid: int, people: list[Person], clients: int, one: Callable[..., bool]) -> None:
    queue, lock, failures = list(people), threading.Lock(), []
    times: dict[str, list[float]] = defaultdict(list)

    def loop() -> None:
        while True:
            with lock:
                if not queue:
                    return
                person = queue.pop()
            ok = one(base, person, times)
            if not ok:
                with lock:
                    failures.append(person.nir)

    cpu_before, started = process_tree_cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, process_tree_cpu_seconds(pid) - cpu_before
    print(
        f"\n{name} : {len(people)} connexions + compte, {len(people) / elapsed:.1f} par seconde, "
        f"CPU serveur {cpu / len(people) * 1000:.1f} ms par connexion + compte, {len(failures)} échec(s)"
    )
    for step, values in times.items():
        median, p99 = statistics.median(values) * 1000, percentile(values, 0.99) * 1000
        print(f"  {step:<24} médiane {median:6.1f} ms   p99 {p99:6.1f} ms")


def main() -> int:
    args = load_options(journeys=300, port=8767).parse_args()
    url, env, people = fresh_setup(args, people=args.journeys)
    accounts_ready(url, people)
    _, verifying = argon2_cpu_ms()
    print(f"Argon2id seul : {verifying:.1f} ms de CPU par vérification (une par connexion)")
    with serving(env, port=args.port, workers=args.workers) as (base, pid):
        run("API de l'application", base, pid, people, args.clients, api_person)
        run("Web", base, pid, people, args.clients, web_person)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
