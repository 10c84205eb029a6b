"""R-DLV2: `moncompte bounces` takes reports from a Maildir or as an SMTP listener."""

import mailbox
import smtplib

import pytest
from django.core.management import CommandError, call_command

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
    assert "2 message(s) : enregistré" in said
    assert "2 message(s) : ignoré" in said  # the autoreply and the unreadable one
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
