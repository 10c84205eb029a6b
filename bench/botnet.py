"""R-BOT1 measured: a botnet of 200 addresses works through a leaked list of 1,000 identities as fast as it
can, with a perfect CAPTCHA reader, against `moncompte serve` and `moncompte worker` (whose periodic job runs
every minute) on a fresh PostgreSQL database, while people enroll from other networks a few times a minute.

Each bot address is 127.10.i.2 (its own /24: the botnet is spread, the hardest case for per-network limits);
each person 127.20.j.2. The CAPTCHA answer is derived in this process with the server's SECRET_KEY
(`challenge_answer`; MONCOMPTE_CAPTCHA_TEST_ANSWER is refused without DEBUG, and the server runs with
production settings); the proof of work is solved here as the page's script would (pure Python: slower than
a browser's WebCrypto, far slower than an attacker's C). Provisional codes arrive over SMTP at a mailbox in
this process. Before the run, seven days of people enrolling at the same rate are written to the velocity
buckets (R-BOT1 compares with a 7-day baseline: a new database has none). No time acceleration: the run
lasts --warm-minutes of people alone, then --minutes with the botnet.

Run: .venv/bin/python -m bench.botnet [--bot-mail common|own] [--minutes 5] [--people-per-minute 4]
"""

import argparse
import os
import random
import subprocess
import threading
import time
from collections import deque
from datetime import datetime

import psycopg

from bench.botnet_actors import Identity, Mailbox, Outcome, c_solver, domain, enroll, history_seed, postal_code
from bench.http_client import Browser
from bench.server import MONCOMPTE, ROOT, fresh_database, server_env, serving
from moncompte.defence.keys import departement_of

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/moncompte_botnet"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", type=int, default=200, help="bot addresses, each in its own /24")
    parser.add_argument("--identities", type=int, default=1000, help="the leaked list")
    parser.add_argument("--bot-threads", type=int, default=12, help="the botnet's requests in flight")
    parser.add_argument("--bot-mail", choices=["common", "own"], default="common", help="people's domains, or its own")
    parser.add_argument("--people-per-minute", type=float, default=4.0)
    parser.add_argument("--warm-minutes", type=float, default=1.0, help="people alone, before the botnet")
    parser.add_argument("--minutes", type=float, default=5.0, help="the botnet's run")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn processes (default: cores + 1)")
    return parser.parse_args()


def registry(env: dict[str, str], count: int) -> list[Identity]:
    """`count` fictitious insured persons, postal codes all over France, imported as the registry."""
    from moncompte.registry import demo_data
    from moncompte.registry import nir as nir_rules

    rng = random.Random(11)
    rows = [(*row[:4], postal_code(rng)) for row in demo_data.generated(count, seed=11)]
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    path = ROOT / "var" / "bench" / "botnet_registry.csv"
    path.write_text(demo_data.as_csv(rows).getvalue())
    subprocess.run([MONCOMPTE, "import_beneficiaries", str(path)], env=env, check=True, stdout=subprocess.DEVNULL)
    return [
        Identity(nir_rules.display(nir_rules.Nir(nir)), "/".join(reversed(birth.split("-"))), postal)
        for nir, _, _, birth, postal in rows
    ]


class Botnet:
    """Threads that take the next leaked identity and the next bot address free to try; an address told to wait
    is rested for `rest` seconds, and its identity goes back to the list."""

    def __init__(self, base: str, mailbox: Mailbox, leaked: list[Identity], args: argparse.Namespace) -> None:
        self.base, self.mailbox, self.rest = base, mailbox, 60.0
        rng = random.Random(3)
        mail = (lambda n: f"n{n}@courrier-relais.example") if args.bot_mail == "own" else None
        self.todo = deque(
            (who, mail(n) if mail else f"x{n}.{rng.randrange(10**6)}@{domain(rng)}") for n, who in enumerate(leaked)
        )
        self.free_at = {f"127.{10 + i // 256}.{i % 256}.2": 0.0 for i in range(args.bots)}
        self.lock, self.outcomes = threading.Lock(), list[Outcome]()
        c_solver()  # compiled once, before the threads start

    def _next(self) -> tuple[Identity, str, str] | str:
        """(identity, its email address, bot address), or "done", or "wait" (every address is resting)."""
        with self.lock:
            if not self.todo:
                return "done"
            source = min(self.free_at, key=self.free_at.__getitem__)
            if self.free_at[source] > time.monotonic():
                return "wait"
            self.free_at[source] = float("inf")  # one attempt at a time per address
            who, address = self.todo.popleft()
            return who, address, source

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            taken = self._next()
            if taken == "done":
                return
            if isinstance(taken, str):
                time.sleep(0.5)
                continue
            who, address, source = taken
            try:
                outcome = enroll(
                    self.base, source, who, address, self.mailbox, len(self.mailbox.bodies[address]), bot=True
                )
            except (AssertionError, OSError) as error:
                outcome = Outcome(source=source, started=time.time(), refused=f"erreur {error}"[:60])
            with self.lock:
                self.outcomes.append(outcome)
                rested = outcome.refused == "trop d'essais"
                self.free_at[source] = time.monotonic() + (self.rest if rested else 0.0)
                if outcome.identity_at is None:
                    self.todo.append((who, address))


def people_arrive(base: str, mailbox: Mailbox, people: list[Identity], per_minute: float, stop: threading.Event,
                  outcomes: list[Outcome]) -> None:  # fmt: skip
    rng, threads = random.Random(5), []
    for j, who in enumerate(people):
        if stop.wait(rng.expovariate(per_minute / 60)):
            break
        address = f"p{j}@{domain(rng)}"

        def one(who: Identity = who, address: str = address, j: int = j) -> None:
            try:
                outcomes.append(enroll(base, f"127.{20 + j // 256}.{j % 256}.2", who, address, mailbox, 0, bot=False))
            except (AssertionError, OSError) as error:
                outcomes.append(Outcome(source="", started=time.time(), refused=f"erreur {error}"[:60]))

        threads.append(threading.Thread(target=one))
        threads[-1].start()
    for thread in threads:
        thread.join()


def attack_mode_changes(url: str) -> list[tuple[datetime, bool, str, str]]:
    with psycopg.connect(url) as db:
        rows = db.execute("SELECT at, active, source, reason FROM defence_attackmodechange ORDER BY at, id").fetchall()
    return [(at, active, source, reason) for at, active, source, reason in rows]


def main() -> int:
    args = options()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    fresh_database(url)
    mailbox = Mailbox()
    smtp = mailbox.start()
    env = server_env(url, ROOT / "var" / "bench", redis=False, site_url=f"http://127.0.0.1:{args.port}")
    for raised in [name for name in env if name.startswith("MONCOMPTE_CAPTCHA_")]:
        env.pop(raised)  # bench/server.py raises them for 127.0.0.1; each client has its own address here
    env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp.port}"
    people_count = int(args.people_per_minute * (args.warm_minutes + args.minutes) * 3) + 20
    everyone = registry(env, args.identities + people_count)
    leaked, people = everyone[: args.identities], everyone[args.identities :]
    departements = [departement_of(who.postal) for who in everyone]
    history_seed(url, per_hour=args.people_per_minute * 60, departements=departements)
    report = run(args, url, env, mailbox, leaked, people)
    smtp.stop()
    print(report)
    return 0


def run(args: argparse.Namespace, url: str, env: dict[str, str], mailbox: Mailbox, leaked: list[Identity],
        people: list[Identity]) -> str:  # fmt: skip
    worker_log = (ROOT / "var" / "bench" / "botnet-worker.log").open("w")
    worker = subprocess.Popen([MONCOMPTE, "worker"], env=env, stdout=worker_log, stderr=worker_log)
    try:
        with serving(env, port=args.port, workers=args.workers) as (base, _):
            stop, people_outcomes = threading.Event(), list[Outcome]()
            arrivals = threading.Thread(
                target=people_arrive, args=(base, mailbox, people, args.people_per_minute, stop, people_outcomes)
            )
            arrivals.start()
            time.sleep(args.warm_minutes * 60)
            botnet, bot_started = Botnet(base, mailbox, leaked, args), time.time()
            load_started = os.getloadavg()[0]
            deadline = time.monotonic() + args.minutes * 60
            threads = [threading.Thread(target=botnet.run, args=(deadline,)) for _ in range(args.bot_threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            bot_ended, load_ended = time.time(), os.getloadavg()[0]
            stop.set()
            arrivals.join()
            metrics = Browser(base).request("/metrics")[1]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    from bench.botnet_report import report

    figures = report(args, attack_mode_changes(url), botnet.outcomes, people_outcomes, bot_started, bot_ended, metrics)
    # The machine is shared: people's journeys (and the bots' pace) depend on what else it runs.
    return f"{figures}\n  load average (1 min) when the botnet started / ended: {load_started:.1f} / {load_ended:.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
