"""R-MSG10: `moncompte campaign` — every NIR of a file, refusals reported, resumable after a kill without posting
anything twice; a CI-sized campaign (thousands of people)."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.messaging.campaign import campaign_post
from moncompte.messaging.models import Message, NoticeDue, Posting
from moncompte.messaging.notify import notices_queue
from moncompte.messaging.post import LetterText
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, Lane, OutboundEmail
from tests.helpers import NOW
from tests.messaging.helpers import nir_of, people

LETTER = LetterText("Votre bilan de prévention", "Bonjour,\nprenez rendez-vous.", "Assurance Maladie")
CLI = Client("", "pytest", channel="campaign")


def csv_of(tmp_path, nirs: list[str]):
    path = tmp_path / "campagne.csv"
    path.write_text("nir\n" + "\n".join(nirs) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_every_nir_is_answered_and_refusals_are_reported_R_MSG10(tmp_path, capsys):
    nirs = people(3)
    Account.objects.filter(beneficiary__nir=nirs[2]).update(state=AccountState.EMAIL_PENDING)
    path = csv_of(tmp_path, [nirs[0], "12345", nirs[1], nir_of(50), "1 85 01 75 000 000", nirs[2]])
    body = tmp_path / "texte.txt"
    body.write_text(LETTER.body, encoding="utf-8")
    call_command("campaign", str(path), "--subject", LETTER.subject, "--body-file", str(body), "--batch", "2")
    assert "2 message(s) déposé(s), 4 refus" in capsys.readouterr().out
    with (tmp_path / "campagne.refus.csv").open(encoding="utf-8") as report:
        assert list(csv.reader(report)) == [
            ["ligne", "nir", "motif"],
            ["3", "12345", "numéro de sécurité sociale illisible"],
            ["5", nir_of(50), "pas de compte"],
            ["6", "1 85 01 75 000 000", "numéro déjà présent plus haut dans le fichier"],
            ["7", nirs[2], "compte pas encore ouvert"],
        ]
    assert Message.objects.count() == 2
    # R-MSG5: the notifications are decided after the posting, by the workers as their lane runs low
    assert NoticeDue.objects.count() == 2
    assert not OutboundEmail.objects.filter(template="message_notice").exists()
    assert notices_queue(now=NOW) == 2
    assert OutboundEmail.objects.filter(template="message_notice", lane=Lane.NOTIFICATIONS).count() == 2
    assert not NoticeDue.objects.exists()


@pytest.mark.django_db
def test_a_campaign_run_again_after_an_interruption_posts_nothing_twice_R_MSG10(tmp_path):
    path = csv_of(tmp_path, people(10))

    def interrupted(run):
        if run.done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        campaign_post(path=path, letter=LETTER, batch_size=3, client=CLI, now=lambda: NOW, progress=interrupted)
    assert Message.objects.count() == 6
    again = campaign_post(path=path, letter=LETTER, batch_size=3, client=CLI, now=lambda: NOW)
    assert (again.batches_replayed, again.counts) == (2, {"posted": 10})
    assert Message.objects.count() == 10
    assert Message.objects.values("account").distinct().count() == 10


@pytest.mark.django_db
def test_a_campaign_resumed_with_another_batch_size_is_refused_and_says_why_R_MSG10(tmp_path):
    path = csv_of(tmp_path, people(4))
    body = tmp_path / "texte.txt"
    body.write_text(LETTER.body, encoding="utf-8")
    options = [str(path), "--subject", LETTER.subject, "--body-file", str(body)]
    call_command("campaign", *options, "--batch", "2")
    with pytest.raises(CommandError, match="autre taille de lot"):
        call_command("campaign", *options, "--batch", "3")
    assert Message.objects.count() == 4


@pytest.mark.django_db
def test_a_ci_sized_campaign_reaches_thousands_of_people_R_MSG10(tmp_path):
    path = csv_of(tmp_path, people(2000))
    started = time.perf_counter()
    run = campaign_post(path=path, letter=LETTER, batch_size=1000, client=CLI, now=lambda: NOW)
    elapsed = time.perf_counter() - started
    assert run.counts == {"posted": 2000}
    assert Message.objects.count() == NoticeDue.objects.count() == 2000
    assert AuditEvent.objects.filter(event="message_posted").count() == 2000
    assert Posting.objects.count() == 2
    print(f"2000 messages posted in {elapsed:.1f} s ({connection.vendor}; shared machine, noisy)")
    while notices_queue(now=NOW, limit=500):
        pass
    assert OutboundEmail.objects.filter(template="message_notice").count() == 2000


@pytest.mark.django_db(transaction=True)
def test_a_campaign_killed_by_sigkill_resumes_without_posting_twice_R_MSG10(tmp_path):
    path = csv_of(tmp_path, people(1000))
    body = tmp_path / "texte.txt"
    body.write_text(LETTER.body, encoding="utf-8")
    command = [sys.executable, "-m", "moncompte", "campaign", str(path), "--subject", LETTER.subject]
    command += ["--body-file", str(body), "--batch", "5"]  # many small commits: the kill lands mid-file
    env = {**os.environ, **_database_env()}
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        deadline = time.monotonic() + 60
        while Message.objects.count() < 60 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)  # in the middle of a batch, its transaction open
    assert Message.objects.count() >= 60
    assert Message.objects.count() < 1000
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "1000 message(s) déposé(s)" in finished.stdout
    assert Message.objects.count() == 1000
    assert Message.objects.values("account").distinct().count() == 1000


def _database_env() -> dict[str, str]:
    """The subprocess opens the test database the test sees (its name is the test run's)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": f"sqlite:///{settings['NAME']}"}
    user, host, port = settings["USER"], settings["HOST"], settings["PORT"]
    return {"DATABASE_URL": f"postgres://{user}:{settings['PASSWORD']}@{host}:{port}/{settings['NAME']}"}


@pytest.mark.django_db
def test_only_the_first_column_is_read_the_header_is_optional_and_a_bom_is_accepted_R_MSG10(tmp_path):
    nirs = people(2)
    path = tmp_path / "sans-en-tete.csv"
    path.write_text(f"{nirs[0]},DURAND,Hélène\n\n{nirs[1]},MARTIN,Zoé\n", encoding="utf-8-sig")
    run = campaign_post(path=path, letter=LETTER, batch_size=10, client=CLI, now=lambda: NOW)
    assert (run.counts, run.refused) == ({"posted": 2}, [])


@pytest.mark.django_db
def test_a_file_not_in_utf8_is_said_in_a_sentence_and_nothing_is_posted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(f"nir;nom\n{people(1)[0]};Hélène\n".encode("cp1252"))
    body = tmp_path / "texte.txt"
    body.write_text(LETTER.body, encoding="utf-8")
    with pytest.raises(CommandError, match=r"n'est pas encodé en UTF-8 .* « CSV UTF-8 » \(rien n'a été déposé\)"):
        call_command("campaign", str(path), "--subject", LETTER.subject, "--body-file", str(body))
    assert not Message.objects.exists()
    body.write_bytes("Hélène".encode("cp1252"))
    with pytest.raises(CommandError, match=r"texte\.txt n'est pas encodé en UTF-8"):
        call_command("campaign", str(tmp_path / "excel.csv"), "--subject", LETTER.subject, "--body-file", str(body))


@pytest.mark.django_db(transaction=True)
def test_workers_killed_while_sending_a_campaign_leave_each_notification_sent_once_R_MSG5_R_DLV1(tmp_path):
    """kill -9 of a worker four times in the middle of a campaign's notifications (wherever it is: sending one,
    or feeding the lane, R-DLV5), a new one in its place: every person's notification is queued once and
    received, under one Message-ID; a second copy only where a worker died after the message was out (the relay
    keeps each message before it answers, so such a copy shows). A 4-second lease (the least allowed) keeps it short."""
    from tests.outbox.faults import Workers, database_url, slow_sink_start, tally

    path = csv_of(tmp_path, people(300))
    campaign_post(path=path, letter=LETTER, batch_size=100, client=CLI, now=lambda: NOW)
    addresses = list(Account.objects.values_list("code_email", flat=True))
    sink = slow_sink_start(tmp_path / "mailbox", delay=0.01)
    log = tmp_path / "workers.log"
    workers = Workers.start(2, db_url=database_url(), smtp_port=sink.port, log=log, outbox_lease_seconds=4)
    sent = OutboundEmail.objects.filter(template="message_notice", status="sent")
    kills = 0
    try:
        deadline = time.monotonic() + 120
        while sent.count() < len(addresses):
            assert time.monotonic() < deadline, f"{sent.count()} sent\n{log.read_text()[-3000:]}"
            if kills < 4 and sent.count() >= 40 * (kills + 1):  # spread over the campaign, mid-stream
                workers.kill_one(kills)
                kills += 1
            time.sleep(0.05)
    finally:
        workers.terminate()
        sink.stop()
    assert kills == 4
    assert not NoticeDue.objects.exists()
    notices = OutboundEmail.objects.filter(template="message_notice")
    assert sorted(notices.values_list("to_address", flat=True)) == sorted(addresses)  # queued once each
    result = tally(tmp_path / "mailbox", addresses, sink=sink)
    unknown = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.UNKNOWN).count()
    print(f"kill -9 ×{kills} mid-campaign, 2 workers: {result}, {unknown} envoi(s) interrompu(s)")
    assert result.lost == []
    assert result.split_message_ids == []
    assert result.duplicates <= unknown
