"""R-DLV2: `moncompte bounces` takes reports from a Maildir or as an SMTP listener."""

import logging
import mailbox
import os
import smtplib
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from moncompte.accounts import bounce_inbox
from moncompte.accounts.bounce_inbox import listener_start
from moncompte.outbox.models import DeliveryReport, OutboundEmail
from moncompte.outbox.reports import ReportKind
from moncompte.outbox.sink import free_port
from moncompte.outbox.verp import envelope_sender
from tests import factories
from tests.accounts.test_bounces import TO, sample


@pytest.fixture
def confirmation_email(code_sent, now) -> OutboundEmail:
    factories.with_link_sent(code_sent, now, TO)
    return OutboundEmail.objects.filter(template="email_confirmation").latest("id")


def nested_parts(depth: int) -> bytes:
    """A report whose parts nest thousands deep: the standard parser gives up with a RecursionError."""
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    head = "To: fbl@moncompte.localhost\nContent-Type: multipart/report; report-type=delivery-status; "
    head += 'boundary="r"\n\n--r\n'
    return (head + opening + "x\n").encode()


@pytest.mark.django_db
def test_reports_in_a_maildir_are_read_then_deleted_and_a_hostile_one_stops_nothing(
    tmp_path, confirmation_email, capsys
):
    box = mailbox.Maildir(str(tmp_path / "retours"), create=True)
    box.add(nested_parts(3000))
    for name in ("gmail_hard", "autoreply", "delayed_soft"):
        box.add(sample(name, confirmation_email))
    call_command("bounces", maildir=tmp_path / "retours")
    said = capsys.readouterr().out
    assert "4 message(s) lu(s) — 2 enregistré, 2 ignoré : ni rapport" in said  # the autoreply and the unreadable one
    assert sorted(confirmation_email.reports.values_list("kind", flat=True)) == [ReportKind.HARD, ReportKind.SOFT]
    assert len(box) == 0  # returned messages may carry codes and links: what they said is in the database
    call_command("bounces", maildir=tmp_path / "retours")
    assert DeliveryReport.objects.count() == 2


@pytest.mark.django_db
def test_the_command_says_what_it_needs(tmp_path):
    with pytest.raises(CommandError, match="--listen"):
        call_command("bounces")
    with pytest.raises(CommandError, match="Maildir"):
        call_command("bounces", maildir=tmp_path)


@pytest.mark.django_db(transaction=True)
def test_the_smtp_listener_takes_reports_for_our_senders_and_refuses_other_recipients_R_DLV2(code_sent, now):
    factories.with_link_sent(code_sent, now, TO)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    port = free_port()
    listener = listener_start(host="127.0.0.1", port=port)
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            report = sample("outlook_hard", email).replace(b"\n", b"\r\n")
            smtp.sendmail("", [envelope_sender(email.pk)], report)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("", ["bounces+1-0000000000000000@moncompte.localhost"], b"Subject: x\r\n\r\nx")
            with pytest.raises(smtplib.SMTPSenderRefused, match="size"):  # 3 MB: refused before it is sent
                smtp.sendmail("", [envelope_sender(email.pk)], (b"y" * 998 + b"\r\n") * 3000)
    finally:
        listener.stop()
    assert email.reports.get().status == "5.1.10"


@pytest.mark.django_db
def test_the_report_is_one_line_per_reading_on_stdout_and_the_logs_go_to_stderr_R_OPS3(
    tmp_path, confirmation_email, capsys, caplog
):
    box = mailbox.Maildir(str(tmp_path / "retours"), create=True)
    box.add(sample("gmail_hard", confirmation_email))
    with caplog.at_level(logging.INFO, logger="moncompte.bounces"):
        call_command("bounces", maildir=tmp_path / "retours")
        call_command("bounces", maildir=tmp_path / "retours")  # nothing left: said too
    first, second = capsys.readouterr().out.splitlines()
    assert first.endswith(f"{tmp_path / 'retours'} : 1 message(s) lu(s) — 1 enregistré")
    assert second.endswith(" : 0 message(s) lu(s)")
    assert "retour reçu : enregistré" in [record.getMessage() for record in caplog.records]  # logged, not reported
    [console] = logging.getLogger("moncompte").handlers
    assert isinstance(console, logging.StreamHandler)
    assert console.stream not in (sys.stdout, sys.__stdout__)  # the logs: stderr


@pytest.mark.django_db
def test_a_reading_that_fails_is_an_error_leaving_the_messages_and_no_report_R_OPS3(
    tmp_path, confirmation_email, capsys, monkeypatch
):
    box = mailbox.Maildir(str(tmp_path / "retours"), create=True)
    box.add(sample("gmail_hard", confirmation_email))

    def database_gone(**_: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(bounce_inbox, "bounce_receive", database_gone)
    with pytest.raises(CommandError, match=r"Lecture de .* interrompue .*OperationalError.* restent dans la Maildir"):
        call_command("bounces", maildir=tmp_path / "retours")
    assert capsys.readouterr().out == ""
    assert len(box) == 1


def test_a_command_error_exits_non_zero_with_one_sentence_on_stderr_R_OPS3(tmp_path):
    """What the operator's shell sees: the status and one sentence on stderr, nothing on stdout, no traceback."""
    run = subprocess.run(
        [sys.executable, "-m", "moncompte", "bounces", "--maildir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert "n'est pas une boîte Maildir" in run.stderr
    assert "Traceback" not in run.stderr
