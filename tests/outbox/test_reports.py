"""R-DLV2: what a delivery status notification's Action and Status fields say about the message (RFC 3464
§2.3.3): delivered or relayed, a delay (whatever its status), a failure that is temporary, an address that does
not exist, a refusal of this message only."""

import pytest

from moncompte.outbox.reports import MAX_REPORT_BYTES, ReportKind, parse_report


def notification(action: str = "failed", status: str = "5.1.1", *, recipient: bool = True, said: str = "") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@relais.example.net>\r\n"
        "To: bounces@moncompte.localhost\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n"
        "--b\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        f"Rapport de remise.{said}\r\n"
        "--b\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; relais.example.net\r\n"
        "\r\n" + ("Final-Recipient: rfc822; camille@example.fr\r\n" if recipient else "") + f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "\r\n"
        "--b--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("action", "status", "kind"),
    [
        ("Delivered", "2.0.0", ReportKind.DELIVERED),  # the field's value is read whatever its case
        ("relayed", "2.0.0", ReportKind.DELIVERED),  # passed on to a system that sends no report
        ("delayed", "4.4.7", ReportKind.SOFT),
        ("delayed", "inconnu", ReportKind.SOFT),  # a delay without a readable status is still a delay
        ("failed", "4.2.2", ReportKind.SOFT),  # given up on a temporary status (a full mailbox): the address stays
        ("failed", "5.1.1", ReportKind.HARD),
        ("failed", "5.2.1", ReportKind.HARD),  # mailbox disabled
        ("failed", "5.2.2", ReportKind.REFUSED),  # mailbox full for good: says nothing of the address itself
        ("failed", "5.7.1", ReportKind.REFUSED),  # this message refused (policy, reputation)
    ],
)
def test_a_notification_is_classified_by_its_action_then_its_status_R_DLV2(action, status, kind):
    report = parse_report(notification(action, status))
    assert report is not None
    assert (report.kind, report.recipient, report.reporter) == (kind, "camille@example.fr", "relais.example.net")


def test_a_notification_without_a_recipient_or_the_returned_message_says_none_R_DLV2():
    report = parse_report(notification(recipient=False))
    assert report is not None
    assert (report.kind, report.recipient, report.original_message_id, report.original_sender) == (
        ReportKind.HARD,
        "",
        "",
        "",
    )


def test_the_same_report_has_the_same_fingerprint_whatever_its_line_ends_R_DLV2():
    """A relay may hand the same report on with CRLF or LF line ends: it is still one report (kept once)."""
    with_crlf, with_lf = parse_report(notification()), parse_report(notification().replace(b"\r\n", b"\n"))
    assert with_crlf is not None
    assert with_lf is not None
    assert with_crlf.fingerprint == with_lf.fingerprint
    another = parse_report(notification(status="5.1.2"))
    assert another is not None
    assert with_crlf.fingerprint != another.fingerprint


def test_a_report_is_read_up_to_its_size_limit_and_not_a_byte_beyond_R_DLV2():
    padding = MAX_REPORT_BYTES - len(notification())
    assert parse_report(notification(said="x" * padding)) is not None
    assert parse_report(notification(said="x" * (padding + 1))) is None
