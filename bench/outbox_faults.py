"""The long fault runs of the outbox (R-DLV1), against PostgreSQL, with real processes and the real settings.

Senders are `moncompte worker` processes and web processes that send what their requests queued, right after
the response (tests/outbox/web_process.py: Django's request signals, as under gunicorn). The relay keeps each
message as soon as its last byte is in, before it answers (a real relay has queued it by then): a sender that
gives up waiting or dies leaves a message the relay has, so a copy sent again shows. The lease is the real one.
The CI suite (tests/outbox/test_delivery_faults.py) runs the same faults at a few messages each. Here:
  1. kill -9 of workers in the middle of a send: 402 messages, 3 workers, 12 kills (each replaced, as
     systemd would);
  2. the web's own send with a relay answering in 6 s (past the web's 4 s step deadline): 24 messages, one
     request each, from 4 web processes, 2 workers behind them;
  3. a relay answering in 10 to 20 s (past the worker's 15 s step deadline): 24 messages, 3 workers;
  4. senders killed mid-send: web processes and workers killed (kill -9) while their relay (6 s) is taking the
     message (3 s before its end, 3 s after), 6 of each;
  5. a relay at 7 s per message with 2 workers, SIGTERM to both in the middle of a send;
  6. PostgreSQL cut in the middle of SMTP exchanges: 10 messages, relay 2 s, the cable cut 3 times for 5 s.
Prints, for each: queued, received at least once (sent), lost, duplicated, with different Message-IDs, the
longest delay from enqueue to the relay's first copy, and the attempts left "unknown" (a sender died
mid-send: R-DLV1's only window for a copy sent twice) or "no answer".

Each worker has OUTBOX_SENDERS senders (`--senders`, else the setting's default; issue 24): a kill -9 takes all
the messages in their hands at once, a SIGTERM waits for each.

Run: .venv/bin/python -m bench.outbox_faults [--messages 402] [--kills 12] [--slow 30] [--senders 4]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.server import ROOT, SECRET_KEY, fresh_database

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench")


def setup() -> None:
    fresh_database(DATABASE)
    os.environ.update(
        {"DATABASE_URL": DATABASE, "SECRET_KEY": SECRET_KEY, "DJANGO_SETTINGS_MODULE": "moncompte.config.settings"}
    )
    os.environ.setdefault("MONCOMPTE_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def queue(count: int, tag: str) -> list[str]:
    from moncompte.core import clock
    from moncompte.outbox.mail import enqueue

    addresses = [f"{tag}{index}@example.fr" for index in range(count)]
    context = {"first_name": "Camille", "last_name": "DURAND", "expires_at": clock.now()}
    for address in addresses:
        enqueue(
            template="provisional_code",
            to=address,
            now=clock.now(),
            context=context,
            secret_context={"code": "Ab3dEf7hJk"},
        )
    return addresses


def wait_sent(seconds: float, count: int) -> None:
    from moncompte.outbox.models import EmailStatus, OutboundEmail

    deadline = time.monotonic() + seconds
    while OutboundEmail.objects.filter(status=EmailStatus.SENT).count() < count:
        if time.monotonic() > deadline:
            raise SystemExit("des messages ne sont toujours pas partis")
        time.sleep(0.5)


def report(title: str, maildir: Path, addresses: list[str], sink: "Controller") -> None:
    from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt
    from tests.outbox.faults import tally

    unknown = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.UNKNOWN).count()
    no_answer = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.NO_ANSWER).count()
    result = tally(maildir, addresses, sink=sink)
    print(f"{title} : {result}, {unknown} envoi(s) interrompu(s), {no_answer} sans réponse", flush=True)


def empty_outbox() -> None:
    from moncompte.outbox.models import OutboundEmail

    OutboundEmail.objects.all().delete()


def kills(folder: Path, messages: int, count: int) -> None:
    from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt
    from tests.outbox.faults import Workers, database_url, slow_sink_start

    addresses = queue(messages, "kill")
    sink = slow_sink_start(folder / "kill", delay=0.1)
    workers = Workers.start(3, db_url=database_url(), smtp_port=sink.port, log=folder / "kill.log")
    chance = random.Random(12)
    try:
        for _ in range(count):
            time.sleep(chance.uniform(0.5, 2.0))
            # A worker in the middle of a send (one just started would die before sending anything).
            sending = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENDING).values_list("email_id", flat=True)
            if not any(workers.kill_sender_of(email_id) for email_id in sending):
                workers.kill_one(chance.randrange(10))
            else:
                workers.spawn()
        wait_sent(300, messages)
    finally:
        workers.terminate()
        sink.stop()
    report(f"1. kill -9 ×{count}, 3 workers", folder / "kill", addresses, sink)


def web_send(folder: Path, messages: int, web_processes: int = 4) -> None:
    from tests.outbox.faults import WEB, Workers, database_url, slow_sink_start

    addresses = [f"web{index}@example.fr" for index in range(messages)]
    sink = slow_sink_start(folder / "web", delay=6.0)
    workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "web.log")
    web = Workers.start(0, db_url=database_url(), smtp_port=sink.port, log=folder / "web.log", command=WEB)
    try:
        for index in range(web_processes):
            web.spawn(*addresses[index::web_processes])
        web.wait(within=120)
        wait_sent(messages * 6.0, messages)
    finally:
        workers.terminate(within=30)
        sink.stop()
    report("2. envoi par la requête, relais à 6 s, 4 processus web + 2 workers", folder / "web", addresses, sink)


def slow_answers(folder: Path, messages: int) -> None:
    from tests.outbox.faults import Workers, database_url, slow_sink_start

    addresses = queue(messages, "lent1020")
    chance = random.Random(21)
    sink = slow_sink_start(folder / "slow1020", delay=lambda: chance.uniform(10.0, 20.0))
    workers = Workers.start(3, db_url=database_url(), smtp_port=sink.port, log=folder / "slow1020.log")
    try:
        wait_sent(messages * 20.0 / 3 + 60, messages)
    finally:
        workers.terminate(within=30)
        sink.stop()
    report("3. relais répondant en 10 à 20 s, 3 workers", folder / "slow1020", addresses, sink)


def killed_senders(folder: Path, count: int) -> None:
    """Web processes, then workers, killed while the relay has started taking a message."""
    from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt
    from tests.outbox.faults import WEB, Workers, database_url, slow_sink_start

    addresses = [f"tue{index}@example.fr" for index in range(2 * count)]
    sink = slow_sink_start(folder / "killed", delay=3.0, rcpt_delay=3.0)  # kills before and after the end
    web = Workers.start(0, db_url=database_url(), smtp_port=sink.port, log=folder / "killed.log", command=WEB)
    workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "killed.log")
    chance = random.Random(4)
    try:
        for index, address in enumerate(addresses):
            senders = web if index < count else workers
            if senders is web:
                web.spawn(address)
            else:
                queue(1, f"tue-worker{index}-")
                addresses[index] = f"tue-worker{index}-0@example.fr"
            while not (attempt := DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENDING).first()):
                time.sleep(0.05)
            time.sleep(chance.uniform(0.0, 6.5))  # before or after the relay has the whole message
            if senders.kill_sender_of(attempt.email_id) and senders is workers:
                workers.spawn()
            wait_sent(120, index + 1)
    finally:
        workers.terminate(within=30)
        sink.stop()
    report(
        f"4. {count} processus web et {count} workers tués pendant un envoi (relais 3 s + 3 s)",
        folder / "killed",
        addresses,
        sink,
    )


def sigterm_mid_send(folder: Path, messages: int) -> None:
    from moncompte.outbox.models import EmailStatus, OutboundEmail
    from tests.outbox.faults import Workers, database_url, slow_sink_start

    addresses = queue(messages, "lent")
    sink = slow_sink_start(folder / "slow", delay=7.0)
    workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "slow.log")
    try:
        from moncompte.core.conf import conf

        time.sleep(messages * 7.0 / (4 * conf().outbox_senders))  # about half the queue
        took = workers.terminate(within=30)
        left = OutboundEmail.objects.filter(status=EmailStatus.PENDING).count()
        print(f"5. SIGTERM au milieu d'un envoi de 7 s : arrêt en {took:.1f} s, {left} message(s) laissé(s) en file")
        workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "slow.log")
        wait_sent(messages * 7.0, messages)
    finally:
        workers.terminate(within=30)
        sink.stop()
    report("5. relais à 7 s, 2 workers", folder / "slow", addresses, sink)


def database_cuts(folder: Path) -> None:
    from django.db import connection

    from tests.outbox.faults import DatabaseCable, Workers, database_url, slow_sink_start

    addresses = queue(10, "coupure")
    sink = slow_sink_start(folder / "cut", delay=2.0)
    config = connection.settings_dict
    cable = DatabaseCable(host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 5432))
    workers = Workers.start(1, db_url=database_url(through=cable), smtp_port=sink.port, log=folder / "cut.log")
    try:
        for _ in range(3):
            time.sleep(3)
            cable.cut()
            time.sleep(5)
            cable.mend()
        wait_sent(120, len(addresses))
    finally:
        workers.terminate()
        sink.stop()
        cable.close()
    report("6. PostgreSQL coupé 3 × 5 s pendant des envois", folder / "cut", addresses, sink)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=402)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--only", type=int, nargs="*", help="scenario numbers to run (all by default)")
    parser.add_argument("--senders", type=int, help="OUTBOX_SENDERS of the workers (default: the setting's)")
    args = parser.parse_args()
    if args.senders is not None:
        os.environ["MONCOMPTE_OUTBOX_SENDERS"] = str(args.senders)  # the workers' environment is this one's
    setup()
    from moncompte.core.conf import conf

    print(f"Expéditeurs par worker : {conf().outbox_senders}", flush=True)
    scenarios = {
        1: lambda folder: kills(folder, args.messages, args.kills),
        2: lambda folder: web_send(folder, 24),
        3: lambda folder: slow_answers(folder, 24),
        4: lambda folder: killed_senders(folder, 6),
        5: lambda folder: sigterm_mid_send(folder, args.slow),
        6: database_cuts,
    }
    with tempfile.TemporaryDirectory() as folder:
        for number, scenario in scenarios.items():
            if not args.only or number in args.only:
                scenario(Path(folder))
                empty_outbox()


if __name__ == "__main__":
    main()
