"""Identity step + provisional code, through the real server (`moncompte serve`) on PostgreSQL.

10 concurrent simulated people (by default) each open the identity page, then submit it with a fixed test
CAPTCHA answer; every submission checks the registry, writes the account, the code, the outbox row and the
audit row. Prints median / p99 latency per request and requests per second.

Run: .venv/bin/python bench/identity_bench.py [--clients 10] [--journeys 600]
Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/moncompte_bench: created
and emptied by the benchmark).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.http_client import Browser, hidden, percentile, process_tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
TEST_ANSWER = "BENCH7"


def fresh_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def server_env(url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 30,
        # DEBUG only because DESIGN allows the fixed CAPTCHA answer nowhere else; templates are still cached.
        "DEBUG": "1",
        "MONCOMPTE_CAPTCHA_TEST_ANSWER": TEST_ANSWER,
        "MONCOMPTE_VAR_DIR": str(var_dir),
        "MONCOMPTE_LOG_LEVEL": "WARNING",
    }


def prepare(env: dict[str, str], people: int, var_dir: Path) -> list[tuple[str, str, str]]:
    sys.path.insert(0, str(ROOT))
    from moncompte.registry import demo_data
    from moncompte.registry import nir as nir_rules

    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    rows = demo_data.generated(people, seed=7)
    csv_path = var_dir / "bench_registry.csv"
    csv_path.write_text(demo_data.as_csv(rows).getvalue())
    subprocess.run([MONCOMPTE, "import_beneficiaries", str(csv_path)], env=env, check=True, stdout=subprocess.DEVNULL)
    return [
        (nir_rules.display(nir_rules.Nir(nir)), "/".join(reversed(birth.split("-"))), postal)
        for nir, _, _, birth, postal in rows
    ]


def wait_until_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Browser(base).request("/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("le serveur n'a pas démarré")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--journeys", type=int, default=600)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn processes (default: 2 × cores + 1)")
    parser.add_argument("--redis", action="store_true", help="REDIS_URL set: sessions cache and rate limits in Redis")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench")
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    fresh_database(url)
    env = server_env(url, var_dir)
    if args.redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    people = prepare(env, args.journeys, var_dir)

    base = f"http://127.0.0.1:{args.port}"
    command = [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{args.port}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(base)
        page_times: list[float] = []
        submit_times: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        queue = list(people)

        def person_loop() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    nir, birth, postal = queue.pop()
                browser = Browser(base)
                status, page, elapsed = browser.request("/creer-un-compte/")
                data = {
                    "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
                    "captcha_id": hidden(page, "captcha_id"),
                    "captcha_answer": TEST_ANSWER,
                    "nir": nir,
                    "birth_date": birth,
                    "postal_code": postal,
                    "email": f"p{abs(hash(nir))}@example.fr",
                }
                status2, _, elapsed2 = browser.request("/creer-un-compte/", data)
                with lock:
                    page_times.append(elapsed)
                    submit_times.append(elapsed2)
                    if status != 200 or status2 != 302:
                        failures.append(f"{status}/{status2}")

        cpu_before = process_tree_cpu_seconds(server.pid)
        started = time.perf_counter()
        threads = [threading.Thread(target=person_loop) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        server_cpu = process_tree_cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)

    requests = len(page_times) + len(submit_times)
    backing = "PostgreSQL + Redis" if args.redis else "PostgreSQL"
    print(f"Identity step + code sending, {args.clients} concurrent clients, {backing}, `moncompte serve`")
    print(f"  people served: {len(submit_times)} in {wall:.1f} s, failures: {len(failures)} {failures[:5]}")
    for name, values in (
        ("GET identity page (+ new CAPTCHA)", page_times),
        ("POST identity → code sent", submit_times),
    ):
        ms = [v * 1000 for v in values]
        print(f"  {name:<36} median {statistics.median(ms):6.1f} ms   p99 {percentile(ms, 0.99):6.1f} ms")
    print(f"  throughput: {requests / wall:.0f} requests/s, {len(submit_times) / wall:.0f} codes sent/s")
    print(f"  server CPU (gunicorn processes): {server_cpu / len(submit_times) * 1000:.1f} ms per person (GET + POST)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
