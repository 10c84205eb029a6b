"""A campaign at scale (issue 24): posting, then sending its notifications while provisional codes keep coming.

On a fresh PostgreSQL database (`--database`, `moncompte_campaign` by default, on BENCH_DATABASE_URL's server)
holding N insured people with as many active accounts and confirmed addresses (COPY, INSERT … SELECT:
bench/scale.py):
1. `moncompte campaign FILE.csv` posts one message to the N people, in its own process: wall time, messages per
   second, the process's peak memory (its maximum resident set, from wait4) and CPU; then the message table's
   size on disk, indexes included (pg_total_relation_size: each message points to the campaign's one letter);
2. two `moncompte worker` processes (`--workers`), of OUTBOX_SENDERS senders each (`--senders`, else the
   setting's default, printed), queue the notifications as their lane runs low (R-DLV5) and
   send them to a local SMTP server in a process of its own: notifications per second, the workers' CPU per
   notification, PostgreSQL's (the backends of its own database only: bench/http_client.PostgresCpu) and the SMTP
   server's.
   The pacing (R-DLV6) is the default OUTBOX_PACING unless `--pacing` is given, and printed: the addresses are
   @example.fr, the group "autres", which the default does not pace, so the figure is what the sending machinery
   holds, not the rates agreed with Orange or Gmail (they cap those providers, whatever the machinery);
   `--pacing autres=600` puts every notification through the slot reservation of its provider;
3. meanwhile, a provisional code is queued every `--code-every` seconds, as the enrolment does outside a request
   (workers woken by NOTIFY): from its commit to the SMTP server's 250, median and p99 (R-DLV5: codes first).

Targets (issue 24): 1,000,000 messages posted in ≤ 60 s and ≤ 300 MB; ≥ 500 notifications/s with 2 workers;
the code's p99 ≤ 1 s while the campaign is being sent.

Run: .venv/bin/python -m bench.campaign [--people 20000] [--batch 5000] [--workers 2] [--code-every 0.2]
[--pacing 'autres=600'] [--senders 4] [--post-only] [--settle] [--database moncompte_campaign]
The million: .venv/bin/python -m bench.campaign --people 1000000 (about 40 minutes at 500 notifications/s;
`--send-limit S` stops the sending after S seconds and gives the figures so far; `--settle` vacuums, analyzes and
checkpoints the database between posting and sending, whose PostgreSQL CPU otherwise includes writing out the
rows just loaded).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import psycopg

from bench.http_client import PostgresCpu, percentile, process_tree_cpu_seconds
from bench.mail_latency import Stopwatch
from bench.scale import ADMIN, build, person
from bench.server import ROOT, SECRET_KEY

VAR = ROOT / "var" / "bench"
SUBJECT = "Votre bilan de prévention"
BODY = (
    "Bonjour,\n\nÀ partir de 45 ans, un bilan de prévention est pris en charge à 100 %. "
    "Prenez rendez-vous avec votre médecin traitant.\n\nVotre Caisse d'Assurance Maladie"
)


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this tree's code, whatever the editable install points to
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "MONCOMPTE_VAR_DIR": str(VAR),
    }


def _n(value: float) -> str:
    """A count as French prints it: 1 000 000."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _count(url: str, query: str) -> int:
    with psycopg.connect(url) as db:
        row = db.execute(query).fetchone()
        return int(row[0]) if row else 0


def post(url: str, people: int, batch: int) -> None:
    path, body = VAR / "campagne.csv", VAR / "campagne.txt"
    with path.open("w") as out:
        out.write("nir\n")
        for index in range(people):
            out.write(person(index)[0] + "\n")
    body.write_text(BODY)
    command = [sys.executable, "-m", "moncompte", "campaign", str(path), "--subject", SUBJECT]
    command += ["--body-file", str(body), "--batch", str(batch), "--report", str(VAR / "campagne.refus.csv")]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=_env(url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if status != 0:
        raise SystemExit(f"la campagne a échoué : {output}")
    posted = _count(url, "SELECT COUNT(*) FROM messaging_message")
    print(output.strip())
    size = _count(url, "SELECT pg_total_relation_size('messaging_message')")
    letters = _count(url, "SELECT pg_total_relation_size('messaging_letter')")
    print(f"Table des messages : {size / 1e6:.1f} Mo sur disque, index compris (courriers : {letters / 1e3:.0f} ko)")
    print(
        f"Dépôt (lots de {_n(batch)}) : {_n(posted)} messages en {elapsed:.1f} s ({_n(posted / elapsed)} messages/s), "
        f"mémoire maximale du processus {usage.ru_maxrss / 1024:.0f} Mo, "
        f"CPU du processus {usage.ru_utime + usage.ru_stime:.1f} s (cible pour 1 000 000 : ≤ 60 s, ≤ 300 Mo)",
        flush=True,
    )


class Codes:
    """Provisional codes queued by this process every `every` seconds, as the enrolment queues them outside a
    request: the row and NOTIFY in one transaction; the time of the commit noted per address."""

    def __init__(self, url: str, every: float) -> None:
        os.environ.update(_env(url), DJANGO_SETTINGS_MODULE="moncompte.config.settings")
        import django

        django.setup()
        self.every, self.committed = every, dict[str, float]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        from django.db import connection, transaction

        from moncompte.core import clock
        from moncompte.outbox.mail import enqueue

        while not self._stop.wait(self.every):
            to, now = f"code-{len(self.committed)}@example.fr", clock.now()
            context = {"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"}
            with transaction.atomic():
                enqueue(template="provisional_code", to=to, now=now, context=context, secret_context={"code": "A1b2"})
            self.committed[to] = time.perf_counter()
        connection.close()


def _pacing_said(pacing: str | None) -> str:
    """R-DLV6 as the workers run it, in a sentence."""
    from moncompte.core.settings.mail import MailSettings

    items = pacing.split(",") if pacing is not None else MailSettings().outbox_pacing
    rates = dict(item.strip().partition("=")[::2] for item in items if item.strip())
    paced = f"ralenties à {rates['autres']}/s par R-DLV6" if "autres" in rates else "que ce réglage ne ralentit pas"
    setting = ",".join(items) or "(vide)"
    return (
        f"Rythme des fournisseurs : OUTBOX_PACING={setting}{'' if pacing is not None else ' (défaut)'} ; "
        f"les adresses du banc (@example.fr) sont du groupe « autres », {paced}"
    )


def send(
    url: str, people: int, workers: int, code_every: float, limit: float, pacing: str | None, senders: int | None
) -> None:
    from moncompte.core.settings.mail import MailSettings

    watch = Stopwatch()
    env = {**_env(url), "EMAIL_URL": f"smtp://127.0.0.1:{watch.port}"}
    if pacing is not None:
        env["MONCOMPTE_OUTBOX_PACING"] = pacing
    if senders is not None:
        env["MONCOMPTE_OUTBOX_SENDERS"] = str(senders)
    print(_pacing_said(pacing), flush=True)
    default = "" if senders is not None else " (défaut)"
    print(f"Expéditeurs par worker : OUTBOX_SENDERS={senders or MailSettings().outbox_senders}{default}", flush=True)
    codes = Codes(url, code_every)
    log = (VAR / "campaign-worker.log").open("w")
    command = [sys.executable, "-m", "moncompte", "worker"]
    processes = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log) for _ in range(workers)]
    started, first, sent = time.perf_counter(), None, 0
    database_cpu = PostgresCpu(urlsplit(url).path.lstrip("/"))  # its own database's backends, not the machine's
    try:
        # Counted as the SMTP server takes them (its 250), not by counting rows: a COUNT over the outbox every
        # half second (tens of milliseconds at 100 000 rows) would be PostgreSQL CPU charged to the sending.
        while sent < people and time.perf_counter() - started < limit:
            sent += sum(1 for to in watch.collect() if not to.startswith("code-"))
            if first is None and sent:  # the workers are up: the codes start coming
                database_cpu.__enter__()
                first = (time.perf_counter(), sent, _cpu(processes), 0.0, _sink_cpu(watch))
                codes.start()
            time.sleep(0.5)
        if first is not None:
            database_cpu.__exit__()
        last = (time.perf_counter(), sent, _cpu(processes), database_cpu.seconds, _sink_cpu(watch))
        codes.stop()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not watch.accepted.keys() >= codes.committed.keys():
            time.sleep(0.2)
            watch.collect()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        watch.stop()
    _report(first, last, workers, codes, watch)


def _cpu(processes: list[subprocess.Popen[bytes]]) -> float:
    return sum(process_tree_cpu_seconds(process.pid) for process in processes)


def _sink_cpu(watch: Stopwatch) -> float:
    return process_tree_cpu_seconds(watch.pid)


Figures = tuple[float, int, float, float, float]  # when, notifications sent, CPU: workers, PostgreSQL, SMTP server


def _report(first: Figures | None, last: Figures, workers: int, codes: Codes, watch: Stopwatch) -> None:
    if first is None or last[1] <= first[1]:
        raise SystemExit("aucune notification envoyée")
    seconds, count = last[0] - first[0], last[1] - first[1]
    print(
        f"Envoi : {_n(last[1])} notifications acceptées par le serveur SMTP, {_n(count / seconds)}/s "
        f"avec {workers} workers (mesuré sur {seconds:.0f} s) "
        f"(cible ≥ 500/s) ; CPU par notification : workers {(last[2] - first[2]) / count * 1000:.2f} ms, "
        f"PostgreSQL {(last[3] - first[3]) / count * 1000:.2f} ms, "
        f"serveur SMTP local {(last[4] - first[4]) / count * 1000:.2f} ms "
        f"(charge {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    latencies = [(watch.accepted[to] - at) * 1000 for to, at in codes.committed.items() if to in watch.accepted]
    if not latencies:
        raise SystemExit("aucun code reçu")
    print(
        f"Codes provisoires pendant l'envoi : {len(latencies)}/{len(codes.committed)} reçus, de la mise en file au "
        f"250 : médiane {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms "
        f"(cible p99 ≤ 1 s)"
    )


def _settle(url: str) -> None:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")
    print(f"Base reposée (VACUUM ANALYZE, CHECKPOINT) en {time.perf_counter() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000, help="messages posted (one per person)")
    parser.add_argument("--batch", type=int, default=5000, help="the campaign's --batch")
    parser.add_argument("--workers", type=int, default=2, help="`moncompte worker` processes")
    parser.add_argument("--code-every", type=float, default=0.2, help="seconds between two provisional codes")
    parser.add_argument("--send-limit", type=float, default=3600.0, help="seconds of sending at most")
    parser.add_argument("--pacing", help="OUTBOX_PACING for the workers (default: the setting's default)")
    parser.add_argument("--senders", type=int, help="OUTBOX_SENDERS, senders per worker (default: the setting's)")
    parser.add_argument("--post-only", action="store_true", help="the posting alone (step 1)")
    parser.add_argument(
        "--settle",
        action="store_true",
        help="CHECKPOINT and VACUUM ANALYZE between posting and sending, so that PostgreSQL's CPU while sending is "
        "not the writing out of the million rows just loaded",
    )
    parser.add_argument("--database", default="moncompte_campaign", help="the database made afresh for the run")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    url = f"{ADMIN}/{args.database}"
    started = time.perf_counter()
    build(url, args.people)
    print(f"{_n(args.people)} comptes actifs générés en {time.perf_counter() - started:.0f} s")
    print(f"Machine : {os.cpu_count()} cœurs, charge {os.getloadavg()[0]:.1f} (partagée : chiffres bruités)")
    post(url, args.people, args.batch)
    if args.settle:
        _settle(url)
    if not args.post_only:
        send(url, args.people, args.workers, args.code_every, args.send_limit, args.pacing, args.senders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
