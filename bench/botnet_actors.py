"""The actors of bench/botnet.py: browsers bound to 127.x.y.z source addresses, a mailbox that keeps every
email the server sends (the attacker's catch-all, the people's inboxes), one enrollment up to the personal code
(when an account becomes someone's: R-BOT1's "account created"), and the 7-day history of a service that had
people enrolling at the same rate before the attack."""

import base64
import email
import email.policy
import functools
import hashlib
import html
import http.client
import json
import multiprocessing
import random
import re
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from aiosmtpd.controller import Controller

from bench.http_client import Browser, NoRedirect, hidden
from bench.server import ROOT, _django

try:  # bench/captcha_work.py's C solver (gcc), as a serious attacker would use
    from bench import captcha_work
except ImportError:  # pragma: no cover - older trees
    captcha_work = None  # type: ignore[assignment]
from moncompte.outbox.sink import free_port

PERSONAL_CODE = "Vacances-Bretagne-42"
# Where people's addresses are (the bot copies this mix with --bot-mail common).
DOMAINS = {
    "gmail.com": 35, "orange.fr": 15, "hotmail.fr": 10, "yahoo.fr": 8, "free.fr": 8,
    "laposte.net": 6, "outlook.fr": 6, "sfr.fr": 6, "wanadoo.fr": 6,
}  # fmt: skip
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["20", "971", "972", "973", "974", "976"]


def postal_code(rng: random.Random) -> str:
    departement = rng.choice(DEPARTEMENTS)
    if departement == "20":
        return rng.choice(["20000", "20090", "20200", "20600"])
    return departement + f"{rng.randrange(10 ** (5 - len(departement))):0{5 - len(departement)}d}"


def domain(rng: random.Random) -> str:
    return rng.choices(list(DOMAINS), weights=list(DOMAINS.values()))[0]


class BoundBrowser(Browser):
    """A browser whose connections leave from `source` (any 127.x.y.z: Linux routes all of 127/8 to lo)."""

    def __init__(self, base: str, source: str) -> None:
        self.source = source
        super().__init__(base)

    def __post_init__(self) -> None:
        bound = functools.partial(http.client.HTTPConnection, source_address=(self.source, 0))

        class Handler(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(bound, req)

        self.opener = urllib.request.build_opener(Handler(), urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())


class Mailbox:
    """An SMTP server in this process: every message kept by recipient, waited for by the journeys."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[str]] = defaultdict(list)
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        part = message.get_body(preferencelist=("plain",))
        text = part.get_content() if part else ""
        with self.arrived:
            for to in envelope.rcpt_tos:  # type: ignore[attr-defined]
                self.bodies[to.lower()].append(text)
            self.arrived.notify_all()
        return "250 OK"

    def code_for(self, to: str, *, already: int, seconds: float = 20) -> str:
        """The provisional code of the (already + 1)-th email to `to`."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while len(self.bodies[to.lower()]) <= already:
                if not self.arrived.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise AssertionError(f"no email for {to}")
            body = self.bodies[to.lower()][already]
        return next(line.strip() for line in body.splitlines() if len(line.strip()) == 10 and line.strip().isalnum())

    def start(self) -> Controller:
        controller = Controller(self, hostname="127.0.0.1", port=free_port())
        controller.start()
        return controller


@dataclass(frozen=True)
class Identity:
    nir: str  # as typed
    birth: str  # JJ/MM/AAAA
    postal: str


@dataclass
class Outcome:
    """One enrollment attempt: refused at the identity step, failed elsewhere, or the account created."""

    source: str
    started: float
    identity_at: float | None = None
    created_at: float | None = None
    refused: str = ""
    work_seconds: float = 0.0  # the proof of work solved on the client (CPU seconds)
    times: dict[str, float] = field(default_factory=dict)


REFUSALS = {"Trop de tentatives": "trop d'essais", "Les informations saisies": "identité", "code": "captcha"}


# The bots solve the proof of work in C (bench/captcha_work.py's solver, compiled once), as an attacker would;
# people with Python's hashlib (the salt hashed once), standing for a browser's script.
_C_SOLVER: list[Path | None] = []


def c_solver() -> Path | None:
    """The compiled solver, or None (no compiler, or bench/captcha_work.py missing): then Python's hashlib."""
    if not _C_SOLVER:
        directory = ROOT / "var" / "bench" / "botnet-solver"
        directory.mkdir(parents=True, exist_ok=True)
        _C_SOLVER.append(captcha_work.c_solver(directory) if captcha_work else None)
    return _C_SOLVER[0]


def solve(work: dict[str, Any], solver: Path | None) -> tuple[int, float]:
    """(the number, CPU seconds): in C when a solver is given, else with hashlib in a process of the pool."""
    if solver is not None and captcha_work is not None:
        solved = captcha_work.solve_in_c(solver, [work])[0]
        return solved.number, solved.seconds
    return _python_pool().submit(solve_in_python, work).result()


def solve_in_python(work: dict[str, Any]) -> tuple[int, float]:
    """(the number, CPU seconds), with hashlib (the salt hashed once)."""
    start, prefix = time.process_time(), hashlib.sha256(work["salt"].encode())
    for number in range(work["maxNumber"] + 1):
        digest = prefix.copy()
        digest.update(str(number).encode())
        if digest.hexdigest() == work["challenge"]:
            break
    return number, time.process_time() - start


_POOL: list[ProcessPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _python_pool() -> ProcessPoolExecutor:
    """Processes of their own for the proofs in Python, as a browser has its Web Workers (not threads that also
    wait for this process's interpreter lock). Their wall time still counts whatever else the cores run: here
    the botnet's C solvers (12 at a time in attack mode) and other jobs, so a person's 0.44 s of CPU took 10 to
    11 s at load 16; bench/botnet_report.py prints the server's steps apart."""
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")))
        return _POOL[0]


def captcha_fields(page: str, *, in_c: bool) -> tuple[dict[str, str], float]:
    """The CAPTCHA fields as a perfect reader sends them (the answer derived with the server's key), and the
    CPU seconds the proof of work took."""
    _django()
    from moncompte.captcha.challenges import challenge_answer

    challenge_id = hidden(page, "captcha_id")
    found = re.search(r'data-work-challenge="([^"]+)"', page)
    assert found, "no proof-of-work challenge in the page"
    work = json.loads(html.unescape(found[1]))
    number, spent = solve(work, c_solver() if in_c else None)  # CPU seconds: the machine is shared
    payload = {key: work[key] for key in ("algorithm", "challenge", "salt", "signature")}
    proof = base64.b64encode(json.dumps({**payload, "number": number}).encode()).decode()
    fields = {"captcha_id": challenge_id, "captcha_answer": challenge_answer(challenge_id=challenge_id)}
    return {**fields, "captcha_work": proof}, spent


def enroll(
    base: str, source: str, who: Identity, address: str, mailbox: Mailbox, sent_before: int, *, bot: bool
) -> Outcome:
    """Identity step (perfect CAPTCHA reader, proof of work solved here), provisional code from the mailbox,
    sign-in, personal code chosen: the account is then someone's."""
    browser, outcome = BoundBrowser(base, source), Outcome(source=source, started=time.time())
    lap = outcome.started

    def step(name: str) -> None:  # wall-clock seconds of each step, to tell the server's wait from the rest
        nonlocal lap
        outcome.times[name], lap = time.time() - lap, time.time()

    status, page, _ = browser.request("/creer-un-compte/")
    step("page")
    captcha, outcome.work_seconds = captcha_fields(page, in_c=bot)
    step("work")
    status, page, _ = browser.request(
        "/creer-un-compte/",
        {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"), **captcha, "nir": who.nir,
         "birth_date": who.birth, "postal_code": who.postal, "email": address},
    )  # fmt: skip
    step("identity")
    if status != 302:
        outcome.refused = next((why for text, why in REFUSALS.items() if text in page), f"HTTP {status}")
        return outcome
    outcome.identity_at = time.time()
    code = mailbox.code_for(address, already=sent_before)
    step("email")
    for path, fields in (
        ("/connexion/", {"nir": who.nir, "code": code}),
        ("/creer-un-compte/code-personnel/", {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}),
    ):
        _, form, _ = browser.request(path)
        status, _, _ = browser.request(path, {"csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"), **fields})
        if status != 302:
            outcome.refused = f"{path}: HTTP {status}"
            return outcome
        step(path)
    outcome.created_at = time.time()
    return outcome


def history_seed(url: str, *, per_hour: float, departements: list[str], seed: int = 7) -> None:
    """Seven days and the current ten minutes of people enrolling at `per_hour`, counted as the service would
    have (R-BOT1 buckets of ten minutes: globally, per email domain and per département; each person from their
    own network, so no network has a history), with Poisson noise. Accounts created: 90 % of the identity steps
    passed."""
    import numpy

    rng = numpy.random.default_rng(seed)
    now = datetime.now(tz=UTC)
    slot = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    share_of_slot = (now - slot) / timedelta(minutes=10)
    keys = [("global", "", 1.0)]
    keys += [("domain", name, weight / sum(DOMAINS.values())) for name, weight in DOMAINS.items()]
    keys += [("departement", name, departements.count(name) / len(departements)) for name in set(departements)]
    rows = []
    for back in range(0, (7 * 24 + 3) * 6):
        at, scale = slot - timedelta(minutes=10 * back), share_of_slot if back == 0 else 1.0
        for signal, part in (("identity", 1.0), ("account", 0.9)):
            for scope, key, share in keys:
                count = int(rng.poisson(per_hour / 6 * scale * share * part))
                if count:
                    rows.append((signal, scope, key, at, count))
    with psycopg.connect(url) as db, db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO defence_velocitybucket (signal, scope, key, start, count) VALUES (%s, %s, %s, %s, %s)", rows
        )
