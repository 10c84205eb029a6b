"""The long fault runs of the outbox (R-DLV1), against PostgreSQL, with real `moncompte worker` processes.

The CI suite (tests/outbox/test_delivery_faults.py) runs the same faults at a few seconds each. Here, at the
size of the fault report that led to R-DLV1:
  1. kill -9 at random: 402 messages, 3 workers, 12 kills (each killed worker replaced, as systemd would);
  2. a slow relay: 30 messages at 7 s each with 2 workers, then SIGTERM to both in the middle of a send;
  3. PostgreSQL cut in the middle of SMTP exchanges: 10 messages, relay 2 s, the cable cut 3 times for 5 s.
Prints, for each: queued, received, lost, duplicates, duplicates with different Message-IDs, interrupted
sends, and how long SIGTERM took.

Run: .venv/bin/python -m bench.outbox_faults [--messages 402] [--kills 12] [--slow 30]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.server import ROOT, SECRET_KEY, fresh_database

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/moncompte_bench")


def setup() -> None:
    fresh_database(DATABASE)
    os.environ.update(
        {"DATABASE_URL": DATABASE, "SECRET_KEY": SECRET_KEY, "DJANGO_SETTINGS_MODULE": "moncompte.config.settings"}
    )
    os.environ.setdefault("MONCOMPTE_VAR_DIR", str(ROOT / "var" / "bench"))
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


def wait_sent(seconds: float) -> None:
    from moncompte.outbox.models import EmailStatus, OutboundEmail

    deadline = time.monotonic() + seconds
    while OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
        if time.monotonic() > deadline:
            raise SystemExit("des messages ne sont toujours pas partis")
        time.sleep(0.5)


def interrupted() -> int:
    from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt

    return DeliveryAttempt.objects.filter(outcome=AttemptOutcome.UNKNOWN).count()


def report(title: str, maildir: Path, addresses: list[str]) -> None:
    from tests.outbox.faults import tally

    print(f"{title} : {tally(maildir, addresses)}, {interrupted()} envoi(s) interrompu(s)", flush=True)


def empty_outbox() -> None:
    from moncompte.outbox.models import OutboundEmail

    OutboundEmail.objects.all().delete()


def kills(folder: Path, messages: int, count: int) -> None:
    from tests.outbox.faults import Workers, database_url, slow_sink_start, tally

    addresses = queue(messages, "kill")
    sink = slow_sink_start(folder / "kill", delay=0.1)
    workers = Workers.start(
        3, db_url=database_url(), smtp_port=sink.port, log=folder / "kill.log", outbox_lease_seconds=10
    )
    chance = random.Random(12)
    try:
        for _ in range(count):
            time.sleep(chance.uniform(0.5, 2.0))
            workers.kill_one(chance.randrange(10))
        wait_sent(300)
    finally:
        workers.terminate()
        sink.stop()
    print(
        f"1. kill -9 ×{count}, 3 workers : {tally(folder / 'kill', addresses)}, {interrupted()} envoi(s) interrompu(s)"
    )


def slow_relay(folder: Path, messages: int) -> None:
    from moncompte.outbox.models import EmailStatus, OutboundEmail
    from tests.outbox.faults import Workers, database_url, slow_sink_start

    addresses = queue(messages, "lent")
    sink = slow_sink_start(folder / "slow", delay=7.0)
    workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "slow.log")
    try:
        time.sleep(messages * 7.0 / 4)  # about half the queue
        took = workers.terminate(within=30)
        left = OutboundEmail.objects.filter(status=EmailStatus.PENDING).count()
        print(f"2. SIGTERM au milieu d'un envoi de 7 s : arrêt en {took:.1f} s, {left} message(s) laissé(s) en file")
        workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=folder / "slow.log")
        wait_sent(messages * 7.0)
    finally:
        workers.terminate(within=30)
        sink.stop()
    report("2. relais à 7 s, 2 workers", folder / "slow", addresses)


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
        wait_sent(120)
    finally:
        workers.terminate()
        sink.stop()
        cable.close()
    report("3. PostgreSQL coupé 3 × 5 s pendant des envois", folder / "cut", addresses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=402)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--slow", type=int, default=30)
    args = parser.parse_args()
    setup()
    with tempfile.TemporaryDirectory() as folder:
        kills(Path(folder), args.messages, args.kills)
        empty_outbox()
        slow_relay(Path(folder), args.slow)
        empty_outbox()
        database_cuts(Path(folder))


if __name__ == "__main__":
    main()
