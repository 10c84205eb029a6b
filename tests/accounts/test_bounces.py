"""R-DLV2: bounces and complaints, from realistic samples (Gmail, Outlook, Orange/Wanadoo, a delay, an ARF
complaint), attached to the message their envelope sender names; forged ones refused, duplicates ignored."""

import random
from pathlib import Path

import pytest

from moncompte.accounts.bounces import BounceOutcome, bounce_receive, envelope_recipients
from moncompte.accounts.models import EmailAddress
from moncompte.audit.models import AuditEvent
from moncompte.outbox.models import DeliveryReport, OutboundEmail
from moncompte.outbox.reports import ReportKind, parse_report
from moncompte.outbox.verp import email_id_from, envelope_sender
from tests import factories

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "reports"
TO = "camille@example.fr"


def sample(name: str, email: OutboundEmail, *, verp: str | None = None) -> bytes:
    text = (SAMPLES / f"{name}.eml").read_text()
    values = {"verp": verp or envelope_sender(email.pk), "to": email.to_address, "message_id": email.message_id}
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.encode()


@pytest.fixture
def confirmation_email(code_sent, now, traveller) -> OutboundEmail:
    factories.with_link_sent(code_sent, now, TO)
    return OutboundEmail.objects.filter(template="email_confirmation").latest("id")


def receive(raw: bytes, now) -> BounceOutcome:
    return bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)


def test_the_envelope_sender_names_the_message_and_cannot_be_forged_R_DLV2():
    sender = envelope_sender(41)
    assert sender.startswith("bounces+41-")
    assert email_id_from(sender) == 41
    assert email_id_from(sender.upper()) == 41  # some servers change the case of the local part
    assert email_id_from(sender.replace("+41-", "+42-")) is None
    assert email_id_from(sender.replace("@", "x@")) is None
    assert email_id_from("bounces+41-0123456789abcdef@moncompte.localhost") is None


@pytest.mark.parametrize(
    ("name", "kind", "status", "said"),
    [
        ("gmail_hard", ReportKind.HARD, "5.1.1", "does not exist"),
        ("outlook_hard", ReportKind.HARD, "5.1.10", "RecipientNotFound"),
        ("orange_hard", ReportKind.HARD, "5.1.1", "Adresse d au moins un destinataire invalide"),
        ("orange_refused", ReportKind.REFUSED, "5.7.1", "OFR_506"),
        ("delayed_soft", ReportKind.SOFT, "4.2.2", "Mailbox full"),
        ("arf_complaint", ReportKind.COMPLAINT, "", "abuse"),
    ],
)
def test_each_provider_s_report_is_read_and_classified_R_DLV2(confirmation_email, name, kind, status, said):
    report = parse_report(sample(name, confirmation_email))
    assert report is not None
    assert (report.kind, report.status) == (kind, status)
    assert said in report.diagnostic
    if name != "orange_refused" and name != "delayed_soft":
        assert report.original_message_id == confirmation_email.message_id


def test_an_autoreply_is_not_a_report(confirmation_email, now):
    assert receive(sample("autoreply", confirmation_email), now) is BounceOutcome.NOT_A_REPORT
    assert not DeliveryReport.objects.exists()


def test_a_hard_bounce_is_attached_to_the_message_and_marks_the_address_undeliverable_R_DLV2(confirmation_email, now):
    assert receive(sample("orange_hard", confirmation_email), now) is BounceOutcome.RECORDED
    [report] = confirmation_email.reports.all()
    assert (report.kind, report.status) == (ReportKind.HARD, "5.1.1")
    address = EmailAddress.objects.get(canonical=TO)
    assert address.undeliverable_at == now
    assert "Invalid recipient" in address.undeliverable_reason
    assert AuditEvent.objects.filter(event="email_reported", account_id=confirmation_email.account_id).exists()


def test_a_soft_bounce_or_a_policy_refusal_leaves_the_address_as_it_is(confirmation_email, now):
    assert receive(sample("delayed_soft", confirmation_email), now) is BounceOutcome.RECORDED
    assert receive(sample("orange_refused", confirmation_email), now) is BounceOutcome.RECORDED
    assert EmailAddress.objects.get(canonical=TO).undeliverable_at is None


def test_the_same_report_received_twice_is_kept_once_R_DLV2(confirmation_email, now):
    raw = sample("gmail_hard", confirmation_email)
    assert receive(raw, now) is BounceOutcome.RECORDED
    assert receive(raw, now) is BounceOutcome.DUPLICATE
    assert confirmation_email.reports.count() == 1


def test_a_forged_bounce_changes_nothing_R_DLV2(confirmation_email, now):
    forged = envelope_sender(confirmation_email.pk).replace("bounces+", "bounces+9")
    assert receive(sample("gmail_hard", confirmation_email, verp=forged), now) is BounceOutcome.FORGED
    assert not DeliveryReport.objects.exists()
    assert EmailAddress.objects.get(canonical=TO).undeliverable_at is None


def test_a_complaint_sent_to_a_fixed_address_is_matched_by_its_original_sender_R_DLV2(confirmation_email, now):
    raw = sample("arf_complaint", confirmation_email)
    assert envelope_recipients(raw) == ["fbl@moncompte.localhost"]
    assert receive(raw, now) is BounceOutcome.RECORDED
    assert confirmation_email.reports.get().kind == ReportKind.COMPLAINT


def test_garbage_and_mangled_reports_are_refused_without_an_error(confirmation_email, now):
    """An attacker can write anything to the bounce address: 400 mangled samples never raise nor match."""
    chance = random.Random(3)
    originals = [sample(name, confirmation_email) for name in ("gmail_hard", "orange_hard", "arf_complaint")]
    garbage = [b"", b"\x00\xff" * 50, b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n--x--"]
    for _ in range(400):
        mangled = bytearray(chance.choice(originals))
        for _ in range(chance.randint(1, 40)):
            mangled[chance.randrange(len(mangled))] = chance.randrange(256)
        garbage.append(bytes(mangled))
    for raw in garbage:
        outcome = bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
        assert outcome in set(BounceOutcome)
    # a mangled copy may still be a readable report for our message; never for another one
    assert set(DeliveryReport.objects.values_list("email_id", flat=True)) <= {confirmation_email.pk}
