"""Identity step + provisional code, through the real server (`moncompte serve`) on PostgreSQL.

10 concurrent simulated people (by default) each open the identity page, then submit it with a fixed test
CAPTCHA answer; every submission checks the registry, writes the account, the code, the outbox row and the
audit row. Prints median / p99 latency per request and requests per second.

Run: .venv/bin/python -m bench.identity_bench [--clients 10] [--journeys 600] [--redis]
"""

import statistics
import sys
import threading
import time

import psycopg

from bench.http_client import Browser, hidden, percentile, process_tree_cpu_seconds
from bench.server import captcha_fields, fresh_setup, load_options, serving


def main() -> int:
    args = load_options(journeys=600, port=8765).parse_args()
    url, env, people = fresh_setup(args, people=args.journeys)

    page_times: list[float] = []
    submit_times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    with serving(env, port=args.port, workers=args.workers) as (base, pid):

        def person_loop() -> None:
            with psycopg.connect(url, autocommit=True) as db:
                person_journeys(db)

        def person_journeys(db: psycopg.Connection) -> None:
            while True:
                with lock:
                    if not people:
                        return
                    person = people.pop()
                browser = Browser(base)
                status, page, elapsed = browser.request("/creer-un-compte/")
                data = {
                    "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
                    **captcha_fields(page),
                    "nir": person.nir,
                    "birth_date": person.birth,
                    "postal_code": person.postal,
                    "email": f"p{person.nir.replace(' ', '')}@example.fr",
                }
                status2, _, elapsed2 = browser.request("/creer-un-compte/", data)
                with lock:
                    page_times.append(elapsed)
                    submit_times.append(elapsed2)
                    if status != 200 or status2 != 302:
                        failures.append(f"{status}/{status2}")

        cpu_before = process_tree_cpu_seconds(pid)
        started = time.perf_counter()
        threads = [threading.Thread(target=person_loop) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        server_cpu = process_tree_cpu_seconds(pid) - cpu_before

    backing = "PostgreSQL + Redis" if args.redis else "PostgreSQL"
    print(f"Identity step + code sending, {args.clients} concurrent clients, {backing}, `moncompte serve`")
    print(f"  people served: {len(submit_times)} in {wall:.1f} s, failures: {len(failures)} {failures[:5]}")
    for name, values in (
        ("GET identity page (+ new CAPTCHA)", page_times),
        ("POST identity → code sent", submit_times),
    ):
        ms = [v * 1000 for v in values]
        print(f"  {name:<36} median {statistics.median(ms):6.1f} ms   p99 {percentile(ms, 0.99):6.1f} ms")
    requests = len(page_times) + len(submit_times)
    print(f"  throughput: {requests / wall:.0f} requests/s, {len(submit_times) / wall:.0f} codes sent/s")
    print(f"  server CPU (gunicorn processes): {server_cpu / len(submit_times) * 1000:.1f} ms per person (GET + POST)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
