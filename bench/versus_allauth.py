"""moncompte beside django-allauth, one after the other, in one command (issues 13 and 22).

Both run on this machine's PostgreSQL (a fresh database each), with the same number of server processes, the
same Argon2id parameters (m=19 MiB, t=2, p=1), sessions in Redis with --redis, and their emails sent over SMTP
to one local sink, from which the simulated people read their code and link as from a mailbox.

- allauth (bench/allauth_site, installed into var/bench/allauth-venv on first run, never into moncompte's
  environment), under gunicorn: sign-up (email + password) → confirmation link (page, then button) → sign-in →
  profile page: 7 requests. Its email is sent during the sign-up request.
- moncompte, under `moncompte serve` (gunicorn): identity + CAPTCHA → provisional code by email → sign-in →
  personal code → contact details → confirmation link (page, then button) → sign-in → account page: 13
  requests. Each email is sent by the web process that queued it, just after its response (R-DLV1), with one
  `moncompte worker`, woken by PostgreSQL NOTIFY, as the fallback; the worker's CPU is counted as mail.
- with --also granian (or uwsgi), moncompte a second time, served by granian (a Rust HTTP server with WSGI,
  installed on first use into var/bench/granian-lib) or by uWSGI (HTTP parsing and WSGI in C, the pyuwsgi wheel,
  into var/bench/uwsgi-lib), with as many processes: the same journey on the same machine.

The proof of work of moncompte's CAPTCHA (R-CAP6) is the person's device's work: the server hands a proof out
and checks it with one hash whatever its difficulty, so moncompte's servers run with CAPTCHA_WORK_BASE=1 and
the clients solve that; solved at the service's difficulty by clients on the servers' two cores (about 65 ms
of Python a journey, under the clients' GIL), it halved the journeys per second measured, the server's CPU
per journey unchanged (bench/README.md, 7 December 2026, evening). Its cost on a device is measured apart and
printed; --client-work solves it at the service's difficulty here, as before.

Prints for each: journeys per second, median and p99 per step, the server-side CPU per journey (web processes,
mail worker, and the PostgreSQL backends of its own database, read every 0.25 s, so other work on the machine
is not counted) and Argon2id's share; the CPU of this process per journey (the simulated browsers and the
mailbox, on the same cores as the servers: what the journeys per second also pay); the floor (server CPU per
request for a static file and for a 404 page, 400 requests each, 4 clients); then the ratios. Targets (issue
22): moncompte's server CPU per journey ≤ 1.0 × allauth's and its journeys/s ≥ 1.0 ×; beyond, its CPU besides
Argon2id ≤ its Argon2id CPU.

Run: .venv/bin/python -m bench.versus_allauth [--clients 8] [--journeys 150] [--workers 3] [--redis]
[--also granian|uwsgi] [--client-work]
"""

import asyncio
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from bench.http_client import Browser, PostgresCpu, hidden, percentile, process_tree_cpu_seconds
from bench.journey_bench import HASHING_STEPS, PERSONAL_CODE, Journey, argon2_cpu_ms
from bench.server import (
    MONCOMPTE,
    ROOT,
    SECRET_KEY,
    argon2_in_server,
    client_work_ms,
    fresh_database,
    fresh_setup,
    load_options,
    serving,
)
from moncompte.outbox.sink import free_port

ALLAUTH_VENV = ROOT / "var" / "bench" / "allauth-venv"
ALLAUTH_REQUIREMENTS = [
    "django==6.1.3",
    "django-allauth==65.21.1",
    "argon2-cffi",
    "psycopg[binary]",
    "gunicorn",
    "redis",
]


class Mailbox:
    """An SMTP server keeping each recipient's messages in order; readers wait for the one they expect."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = defaultdict(list)
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        text = envelope.content.decode("utf-8", errors="replace")
        with self.arrived:
            for to in envelope.rcpt_tos:
                self.messages[to.lower()].append(text)
            self.arrived.notify_all()
        await asyncio.sleep(0)
        return "250 OK"

    def wait_for(self, to: str, number: int, timeout: float = 30) -> str:
        """The `number`-th message (1 for the first) received for `to`, decoded as the person would read it."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages[to.lower()]) < number:
                if not self.arrived.wait(deadline - time.monotonic()) and time.monotonic() >= deadline:
                    raise AssertionError(f"no message {number} for {to}")
            raw = self.messages[to.lower()][number - 1]
        import email
        from email import policy

        message = email.message_from_string(raw, policy=policy.default)
        body = message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class Side:
    name: str
    requests: int
    done: int = 0
    failures: list[str] = field(default_factory=list)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    wall: float = 0.0
    cpu_web: float = 0.0
    cpu_mail: float = 0.0
    cpu_database: float = 0.0
    cpu_clients: float = 0.0  # this process: the simulated browsers and the mailbox, on the same cores
    argon2_ms: float = 0.0  # one hash + one verification per journey
    floor_static_ms: float = 0.0
    floor_404_ms: float = 0.0

    def cpu_per_journey(self) -> float:
        return (self.cpu_web + self.cpu_mail + self.cpu_database) * 1000 / max(self.done, 1)


def run_clients(side: Side, clients: int, work: list[Any], journey: Callable[[Any], dict[str, float]]) -> None:
    lock = threading.Lock()

    def loop() -> None:
        while True:
            with lock:
                if not work:
                    return
                item = work.pop()
            try:
                times = journey(item)
            except AssertionError as error:
                with lock:
                    side.failures.append(str(error))
                continue
            with lock:
                side.done += 1
                for name, elapsed in times.items():
                    side.times[name].append(elapsed * 1000)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measured(side: Side, pids: list[int], database: str, run: Callable[[], None]) -> None:
    web_before = process_tree_cpu_seconds(pids[0])
    mail_before = sum(process_tree_cpu_seconds(pid) for pid in pids[1:])
    started, clients_before = time.perf_counter(), time.process_time()
    with PostgresCpu(database) as database_cpu:
        run()
    side.wall = time.perf_counter() - started
    side.cpu_clients = time.process_time() - clients_before
    side.cpu_web = process_tree_cpu_seconds(pids[0]) - web_before
    side.cpu_mail = sum(process_tree_cpu_seconds(pid) for pid in pids[1:]) - mail_before
    side.cpu_database = database_cpu.seconds


FLOOR_REQUESTS = 400


def floor_cpu_ms(base: str, pid: int, path: str, expect: int) -> float:
    """The server's CPU (ms) per request for `path`, asked FLOOR_REQUESTS times by 4 clients: what the stack
    (HTTP server, Django, middleware) costs before any page does its work (issue 22's floor)."""

    def ask(_: Any) -> dict[str, float]:
        status = Browser(base).request(path)[0]
        if status != expect:
            raise AssertionError(f"{path}: {status} instead of {expect}")
        return {}

    side = Side("floor", requests=1)
    before = process_tree_cpu_seconds(pid)
    run_clients(side, 4, list(range(FLOOR_REQUESTS)), ask)
    if side.failures:
        raise SystemExit(side.failures[0])
    return (process_tree_cpu_seconds(pid) - before) * 1000 / FLOOR_REQUESTS


def floors(side: Side, base: str, pid: int, static_path: str = "") -> None:
    if static_path:
        side.floor_static_ms = floor_cpu_ms(base, pid, static_path, 200)
    side.floor_404_ms = floor_cpu_ms(base, pid, "/cette-page-n-existe-pas/", 404)


# --- allauth ---------------------------------------------------------------------------------------------------


def allauth_python() -> str:
    python = ALLAUTH_VENV / "bin" / "python"
    if not python.exists():
        print("→ installation de django-allauth dans var/bench/allauth-venv (une fois)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ALLAUTH_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *ALLAUTH_REQUIREMENTS], check=True)
    return str(python)


@contextmanager
def allauth_serving(env: dict[str, str], port: int, workers: int) -> Iterator[tuple[str, int]]:
    """Yields (base URL, gunicorn's pid)."""
    python = allauth_python()
    subprocess.run([python, "-m", "django", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    log = (ROOT / "var" / "bench" / "allauth.log").open("w")
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "bench.allauth_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                Browser(base).request("/accounts/login/")
                break
            except OSError:
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def allauth_journey(base: str, mailbox: Mailbox, address: str) -> dict[str, float]:
    browser, times = Browser(base), {}

    def step(name: str, path: str, data: dict[str, str] | None = None, expect: int = 200) -> str:
        status, page, elapsed = browser.request(path, data)
        times[name] = elapsed
        if status != expect:
            raise AssertionError(f"allauth {name}: HTTP {status} (expected {expect})")
        return page

    def form(name: str, path: str, fields: dict[str, str], expect: int = 302) -> str:
        page = step(f"GET {name}", path)
        token = {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken")}
        return step(f"POST {name}", path, {**token, **fields}, expect)

    form("sign-up", "/accounts/signup/", {"email": address, "password1": PERSONAL_CODE, "password2": PERSONAL_CODE})
    found = re.search(r"(/accounts/confirm-email/[^/\s]+/)", mailbox.wait_for(address, 1))
    assert found, "no confirmation link in allauth's email"
    form("confirm", found[1], {})
    form("sign-in", "/accounts/login/", {"login": address, "password": PERSONAL_CODE})
    if address not in step("GET profile", "/profile/"):
        raise AssertionError("allauth: the profile page does not show the address")
    return times


def run_allauth(args: Any, mailbox: Mailbox, smtp_port: int) -> Side:
    side = Side("django-allauth 65.21", requests=7)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench")
    # beside moncompte's database, named after it, so two runs on other databases do not drop each other's
    database = urlsplit(url).path.lstrip("/") + "_allauth"
    url = url.rsplit("/", 1)[0] + "/" + database
    fresh_database(url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.allauth_site.settings",
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "SMTP_PORT": str(smtp_port),
        "PYTHONPATH": str(ROOT),
    }
    if args.redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    with allauth_serving(env, args.port + 1, args.workers or (os.cpu_count() or 1) + 1) as (base, pid):
        warm = [f"warm{index}@example.fr" for index in range(args.warm_up)]
        run_clients(Side("warm-up", 7), args.clients, warm, lambda a: allauth_journey(base, mailbox, a))
        people = [f"person{index}@example.fr" for index in range(args.journeys)]
        measured(
            side,
            [pid],
            database,
            lambda: run_clients(side, args.clients, people, lambda a: allauth_journey(base, mailbox, a)),
        )
        floors(side, base, pid)  # allauth's site serves no static file
    hash_ms, verify_ms = argon2_cpu_ms()
    side.argon2_ms = hash_ms + verify_ms  # timed alone; allauth's processes do not report theirs
    return side


# --- moncompte -------------------------------------------------------------------------------------------------


def run_moncompte(args: Any, mailbox: Mailbox, smtp_port: int, server: str) -> Side:
    side = Side(f"moncompte ({server})", requests=13)
    url, env, people = fresh_setup(args, people=args.journeys + args.warm_up)
    env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    mailbox.messages.clear()  # the same people again, when moncompte runs a second time (--also)
    log = (ROOT / "var" / "bench" / "worker.log").open("w")
    worker = subprocess.Popen([MONCOMPTE, "worker"], env=env, stdout=log, stderr=log)
    counts: dict[str, int] = {"provisional_code": 1, "email_confirmation": 2}

    def read_mail(to: str, template: str) -> str:
        return mailbox.wait_for(to, counts[template])

    import psycopg

    try:
        with (
            serving(env, port=args.port, workers=args.workers, server=server) as (base, pid),
            psycopg.connect(url) as db,
        ):
            warm = [people.pop() for _ in range(args.warm_up)]

            def journey(person: Any) -> dict[str, float]:
                one = Journey(base, db, person, read_mail)
                one.run()
                return one.times

            run_clients(Side("warm-up", 13), args.clients, warm, journey)
            database = urlsplit(url).path.lstrip("/")
            measured(side, [pid, worker.pid], database, lambda: run_clients(side, args.clients, people, journey))
            stylesheet = re.search(r'href="(/static/[^"?]+\.css[^"]*)"', Browser(base).request("/connexion/")[1])
            assert stylesheet, "no stylesheet on the home page"
            floors(side, base, pid, stylesheet[1])
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    operations, seconds = argon2_in_server()
    if operations:
        side.argon2_ms = seconds / operations * 2 * 1000
    else:  # granian's and uWSGI's workers write no report at exit: timed alone, as for allauth
        hash_ms, verify_ms = argon2_cpu_ms()
        side.argon2_ms = hash_ms + verify_ms
    return side


def report(side: Side) -> None:
    print(f"\n{side.name} — {side.requests} requêtes par parcours")
    rate = side.done / side.wall
    print(f"  parcours : {side.done} en {side.wall:.1f} s = {rate:.2f} parcours/s ; échecs : {len(side.failures)}")
    for failure in side.failures[:3]:
        print(f"    {failure}")
    for name, values in side.times.items():
        mark = " (Argon2id)" if name in HASHING_STEPS or name in {"POST sign-up", "POST sign-in"} else ""
        print(
            f"  {name + mark:<44} médiane {statistics.median(values):6.1f} ms   p99 {percentile(values, 0.99):6.1f} ms"
        )
    per = side.cpu_per_journey()
    done = max(side.done, 1)
    print(
        f"  CPU serveur par parcours : {per:.1f} ms = web {side.cpu_web * 1000 / done:.1f} + courriel "
        f"{side.cpu_mail * 1000 / done:.1f} + PostgreSQL {side.cpu_database * 1000 / done:.1f} ; "
        f"dont Argon2id {side.argon2_ms:.1f} ms, le reste {per - side.argon2_ms:.1f} ms"
    )
    print(
        f"  CPU des clients simulés et de la boîte mail (ce processus, mêmes cœurs) : "
        f"{side.cpu_clients * 1000 / done:.1f} ms par parcours"
    )
    static = f"{side.floor_static_ms:.2f} ms" if side.floor_static_ms else "—"
    print(f"  plancher, CPU serveur par requête : fichier statique {static}, page 404 {side.floor_404_ms:.2f} ms")


def main() -> int:
    parser = load_options(journeys=150, port=8780)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument(
        "--also", choices=["granian", "uwsgi"], help="moncompte again, served by this server too (issue 22)"
    )
    parser.set_defaults(clients=8)  # as in the measure that opened issue 13
    args = parser.parse_args()
    mailbox = Mailbox()
    sink = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    sink.start()
    try:
        allauth = run_allauth(args, mailbox, sink.port)
        moncompte = run_moncompte(args, mailbox, sink.port, args.server)
        other = run_moncompte(args, mailbox, sink.port, args.also) if args.also else None
    finally:
        sink.stop()
    backing = "PostgreSQL + Redis" if args.redis else "PostgreSQL"
    print(
        f"Côte à côte : {args.clients} clients simultanés, {backing}, {os.cpu_count()} cœurs, "
        f"moncompte servi par {args.server}"
    )
    report(allauth)
    report(moncompte)
    if other:
        report(other)
        rate = (other.done / other.wall) / (moncompte.done / moncompte.wall)
        cpu = other.cpu_per_journey() / moncompte.cpu_per_journey()
        print(f"\n{args.also} / {args.server} : parcours par seconde × {rate:.2f}, CPU par parcours × {cpu:.2f}")
    speed = (moncompte.done / moncompte.wall) / (allauth.done / allauth.wall)
    rest = moncompte.cpu_per_journey() - moncompte.argon2_ms
    print("\nRapports moncompte / allauth")
    cpu = moncompte.cpu_per_journey() / allauth.cpu_per_journey()
    print(f"  parcours par seconde : × {speed:.2f} (objectif ≥ 1,0 : {'ATTEINT' if speed >= 1.0 else 'MANQUÉ'})")
    print(f"  CPU par parcours : × {cpu:.2f} (objectif ≤ 1,0 : {'ATTEINT' if cpu <= 1.0 else 'MANQUÉ'})")
    print(
        f"  moncompte hors Argon2id {rest:.1f} ms pour Argon2id {moncompte.argon2_ms:.1f} ms "
        f"(objectif ≤ : {'ATTEINT' if rest <= moncompte.argon2_ms else 'MANQUÉ'})"
    )
    if args.client_work:
        print("  preuve de travail (R-CAP6) : résolue par les clients, sur cette machine, à la difficulté du service")
    else:
        base, work_ms = client_work_ms()
        print(
            f"  preuve de travail (R-CAP6) : difficulté 1 pour ce banc (--client-work : celle du service) ; à la "
            f"difficulté de base ({base}), l'appareil de la personne y passe {work_ms:.0f} ms (Python, mesuré à part)"
        )
    return 1 if allauth.failures or moncompte.failures or (other and other.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
