"""A real `moncompte serve` on a fresh PostgreSQL database, for the load benchmarks."""

import argparse
import base64
import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.http_client import Browser, hidden

ROOT = Path(__file__).resolve().parent.parent
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/moncompte_bench"


SECRET_KEY = "bench-only-secret-key-" + "x" * 30


@cache
def _django() -> None:
    """This process derives CAPTCHA answers as the server does: same settings, same key."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    os.environ["SECRET_KEY"] = SECRET_KEY
    import django

    django.setup()


def captcha_fields(page: str) -> dict[str, str]:
    """What a browser sends for the CAPTCHA: read like a perfect reader would, and the proof of work solved
    as the page's script does, at the difficulty the page gives (1 unless --client-work: fresh_setup)."""
    _django()
    from altcha import v1 as altcha

    from moncompte.captcha.challenges import challenge_answer

    challenge_id = hidden(page, "captcha_id")
    found = re.search(r'data-work-challenge="([^"]+)"', page)
    assert found, "no proof-of-work challenge in the page"
    work = json.loads(html.unescape(found[1]))
    solution = altcha.solve_challenge(work["challenge"], work["salt"], work["algorithm"], work["maxNumber"])
    assert solution is not None
    payload = {key: work[key] for key in ("algorithm", "challenge", "salt", "signature")}
    return {
        "captcha_id": challenge_id,
        "captcha_answer": challenge_answer(challenge_id=challenge_id),
        "captcha_work": base64.b64encode(json.dumps({**payload, "number": solution.number}).encode()).decode(),
    }


def client_work_ms(proofs: int = 30) -> tuple[int, float]:
    """(the base difficulty, the mean CPU ms of this process to solve a proof at it): what a person's device
    spends on the proof of work (R-CAP6), here in Python, measured apart from any server."""
    _django()
    from altcha import v1 as altcha

    from moncompte.core.conf import conf

    base = conf().captcha_work_base
    options = altcha.ChallengeOptions(max_number=base, hmac_key="bench")
    started = time.process_time()
    for _ in range(proofs):
        work = altcha.create_challenge(options).to_dict()
        assert altcha.solve_challenge(work["challenge"], work["salt"], work["algorithm"], work["maxNumber"])
    return base, (time.process_time() - started) * 1000 / proofs


@dataclass(frozen=True)
class Person:
    nir: str  # as typed, with spaces and key
    birth: str  # JJ/MM/AAAA
    postal: str


def fresh_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def server_env(url: str, var_dir: Path, *, redis: bool, site_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        # Production settings, but over plain HTTP on loopback: cookies without the Secure flag.
        "MONCOMPTE_INSECURE_COOKIES": "1",
        "MONCOMPTE_VAR_DIR": str(var_dir),
        "MONCOMPTE_LOG_LEVEL": "INFO",
        "MONCOMPTE_SITE_URL": site_url,
        # Every simulated person comes from 127.0.0.1, as from behind one big router: the per-client limits of
        # the CAPTCHA are raised as an operator would for such a network (per-session limits stay).
        "MONCOMPTE_CAPTCHA_NEW_PER_CLIENT": "1000000",
        "MONCOMPTE_CAPTCHA_FAILURES_PER_CLIENT": "1000000",
        "MONCOMPTE_CAPTCHA_WITHOUT_WORK_PER_CLIENT": "1000000",
        # and those of its network (R-CAP4): 127.0.0.0/24 is that whole router
        "MONCOMPTE_CAPTCHA_NEW_PER_NETWORK": "1000000",
        "MONCOMPTE_CAPTCHA_MEDIA_PER_NETWORK": "1000000",
        "MONCOMPTE_CAPTCHA_FAILURES_PER_NETWORK": "1000000",
        "MONCOMPTE_CAPTCHA_WITHOUT_WORK_PER_NETWORK": "1000000",
        # Attack mode (R-BOT1) would take hundreds of journeys a minute from one address for a botnet: its
        # minimums are raised as for the demo, so the benchmark measures the journey, not the slowed-down one.
        "MONCOMPTE_BOT_MINIMUM_GLOBAL": "100000",
        "MONCOMPTE_BOT_MINIMUM_NETWORK": "100000",
        "MONCOMPTE_BOT_MINIMUM_DOMAIN": "100000",
        "MONCOMPTE_BOT_MINIMUM_DEPARTEMENT": "100000",
    }
    if redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    return env


def prepare(env: dict[str, str], people: int, var_dir: Path) -> list[Person]:
    sys.path.insert(0, str(ROOT))
    from moncompte.registry import demo_data
    from moncompte.registry import nir as nir_rules

    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    rows = demo_data.generated(people, seed=7)
    csv_path = var_dir / "bench_registry.csv"
    csv_path.write_text(demo_data.as_csv(rows).getvalue())
    subprocess.run([MONCOMPTE, "import_beneficiaries", str(csv_path)], env=env, check=True, stdout=subprocess.DEVNULL)
    return [
        Person(nir_rules.display(nir_rules.Nir(nir)), "/".join(reversed(birth.split("-"))), postal)
        for nir, _, _, birth, postal in rows
    ]


def _wait_until_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Browser(base).request("/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("le serveur n'a pas démarré")


SERVER_LOG = ROOT / "var" / "bench" / "server.log"


GRANIAN_LIB = ROOT / "var" / "bench" / "granian-lib"
GRANIAN_VERSION = "2.8.9"


def _installed_once(lib: Path, present: str, requirement: str) -> dict[str, str]:
    """A compared server, installed on first use into `lib` (never into .venv: it is compared, not served); the
    environment that lets the server's processes import it and the application."""
    if not (lib / present).is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(lib), requirement], check=True)
    return {"PYTHONPATH": os.pathsep.join([str(lib), str(ROOT)])}


def granian_command(*, port: int, workers: int) -> tuple[list[str], dict[str, str]]:
    """granian (a Rust HTTP server with WSGI, issue 22) serving the same WSGI application with as many processes
    as gunicorn would: installed on first use into var/bench/granian-lib, never into .venv, since it is compared
    here, not served. Static files are served by the application (WhiteNoise), as under gunicorn."""
    extra = _installed_once(GRANIAN_LIB, "granian", f"granian=={GRANIAN_VERSION}")
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface=wsgi",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers or (os.cpu_count() or 1) + 1}",
        "--blocking-threads=1",  # as gunicorn's sync workers: one request at a time per process
        "--no-ws",
        "moncompte.config.wsgi:application",
    ]
    return command, extra


UWSGI_LIB = ROOT / "var" / "bench" / "uwsgi-lib"
UWSGI_VERSION = "2.0.30.post1"  # pyuwsgi: uWSGI (HTTP parsing and WSGI in C) built as a Python extension


def uwsgi_command(*, port: int, workers: int) -> tuple[list[str], dict[str, str]]:
    """uWSGI (issue 22: a server whose HTTP parsing and WSGI layer are C) serving the same WSGI application with
    as many processes, each loading the application itself as gunicorn's workers do; installed on first use into
    var/bench/uwsgi-lib (the pyuwsgi wheel), never into .venv, since it is compared here, not served."""
    extra = _installed_once(UWSGI_LIB, "pyuwsgi.libs", f"pyuwsgi=={UWSGI_VERSION}")
    command = [
        sys.executable,
        "-c",
        "import sys, pyuwsgi; pyuwsgi.run(sys.argv[1:])",
        f"--http-socket=127.0.0.1:{port}",
        "--module=moncompte.config.wsgi:application",
        "--master",
        f"--processes={workers or (os.cpu_count() or 1) + 1}",
        "--lazy-apps",  # each worker imports the application, as under gunicorn (no preload)
        "--enable-threads",  # the outbox's lease keeper and the metrics run threads
        "--die-on-term",
        "--need-app",
        "--disable-logging",  # no access log, as `moncompte serve` without --access-log
        "--buffer-size=16384",
    ]
    return command, extra


@contextmanager
def serving(env: dict[str, str], *, port: int, workers: int, server: str = "gunicorn") -> Iterator[tuple[str, int]]:
    """Yields (base URL, server pid); stops the server afterwards. Its log goes to SERVER_LOG. `server` is
    "gunicorn" (`moncompte serve`, what is deployed), "granian" or "uwsgi" (compared with it)."""
    command = [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}"]
    if workers:
        command += ["--workers", str(workers)]
    if server == "granian":
        command, extra = granian_command(port=port, workers=workers)
        env = {**env, **extra}
    if server == "uwsgi":
        command, extra = uwsgi_command(port=port, workers=workers)
        env = {**env, **extra}
    with SERVER_LOG.open("w") as log:
        server_process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base)
            yield base, server_process.pid
        finally:
            server_process.terminate()
            server_process.wait(timeout=30)


def argon2_in_server() -> tuple[int, float]:
    """(operations, CPU seconds) of Argon2id, summed over the workers, from the log they write at exit."""
    operations, seconds = 0, 0.0
    for line in SERVER_LOG.read_text().splitlines():
        found = re.search(r"argon2id: (\d+) operations, ([\d.]+) s CPU", line)
        if found:
            operations += int(found[1])
            seconds += float(found[2])
    return operations, seconds


def load_options(*, journeys: int, port: int) -> argparse.ArgumentParser:
    """The options every load benchmark takes; a benchmark may add its own before parsing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--journeys", type=int, default=journeys)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn processes (default: cores + 1)")
    parser.add_argument("--redis", action="store_true", help="REDIS_URL set: sessions cache and rate limits in Redis")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "granian", "uwsgi"],
        default="gunicorn",
        help="the HTTP server (issue 22 compares them)",
    )
    parser.add_argument(
        "--client-work",
        action="store_true",
        help="the simulated browsers solve the proof of work (R-CAP6) at the service's difficulty, on this machine",
    )
    return parser


def fresh_setup(args: argparse.Namespace, *, people: int) -> tuple[str, dict[str, str], list[Person]]:
    """(database URL, server environment, people of the registry) on a freshly made database."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    fresh_database(url)
    env = server_env(url, var_dir, redis=args.redis, site_url=f"http://127.0.0.1:{args.port}")
    if not args.client_work:
        # Solving the proof of work is the person's device's work, not the server's: handing a proof out and
        # checking it cost the server one hash whatever its difficulty. On one machine the simulated browsers
        # would spend the servers' cores on it (about 65 ms of Python per journey at the base difficulty, held
        # under the GIL of the clients' process): the server measured would be the clients' machine.
        env["MONCOMPTE_CAPTCHA_WORK_BASE"] = "1"
    if args.redis:
        # A fresh database needs fresh limits too: counts left by an earlier run would refuse this one's people.
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    return url, env, prepare(env, people, var_dir)
