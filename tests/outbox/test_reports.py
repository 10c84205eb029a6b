"""R-DLV2: what a delivery status notification says (RFC 3464): its kind from the Action then the Status field
(delivered or relayed, a delay whatever its status, a temporary failure, an address that does not exist, a
refusal of this message only), the recipient, the server that wrote it, what that server said, the envelope
sender it names; and when the same report is the same."""

import pytest

from moncompte.outbox.reports import MAX_REPORT_BYTES, ParsedReport, ReportKind, parse_report

FROM = "From: Mail Delivery System <MAILER-DAEMON@relais.example.net>\r\n"
MTA = "Reporting-MTA: dns; relais.example.net\r\n"
RECIPIENT = "Final-Recipient: rfc822; camille@example.fr\r\n"


def notification(
    action: str = "failed",
    status: str = "5.1.1",
    *,
    sender: str = FROM,
    per_message: str = MTA,
    recipient: str = RECIPIENT,
    diagnostic: str = "",
    said: str = "",
) -> bytes:
    return (
        f"{sender}To: bounces@moncompte.localhost\r\n"
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
        f"{per_message}"
        "\r\n"
        f"{recipient}Action: {action}\r\nStatus: {status}\r\n{diagnostic}"
        "\r\n"
        "--b--\r\n"
    ).encode()


def read(raw: bytes) -> ParsedReport:
    report = parse_report(raw)
    assert report is not None
    return report


@pytest.mark.parametrize(
    ("action", "status", "kind", "read_status"),
    [
        ("Delivered", "2.0.0", ReportKind.DELIVERED, "2.0.0"),  # the field's value is read whatever its case
        ("relayed", "2.0.0", ReportKind.DELIVERED, "2.0.0"),  # passed on to a system that sends no report
        ("delayed", "4.4.7", ReportKind.SOFT, "4.4.7"),
        ("delayed", "inconnu", ReportKind.SOFT, ""),  # a delay without a readable status is still a delay
        ("failed", "4.2.2", ReportKind.SOFT, "4.2.2"),  # given up on a temporary status: the address stays
        ("failed", "5.1.1 (user unknown)", ReportKind.HARD, "5.1.1"),
        ("failed", "5.2.1", ReportKind.HARD, "5.2.1"),  # mailbox disabled
        ("failed", "5.2.2", ReportKind.REFUSED, "5.2.2"),  # mailbox full for good: says nothing of the address
        ("failed", "5.7.1", ReportKind.REFUSED, "5.7.1"),  # this message refused (policy, reputation)
    ],
)
def test_a_notification_is_classified_by_its_action_then_its_status_R_DLV2(action, status, kind, read_status):
    report = read(notification(action, status))
    assert (report.kind, report.status) == (kind, read_status)
    assert (report.recipient, report.reporter) == ("camille@example.fr", "relais.example.net")


def test_a_notification_without_a_recipient_a_diagnostic_or_the_returned_message_says_none_R_DLV2():
    report = read(notification(recipient=""))
    assert (report.kind, report.recipient, report.diagnostic) == (ReportKind.HARD, "", "")
    assert (report.original_message_id, report.original_sender) == ("", "")


def test_the_recipient_is_the_final_one_else_the_original_one_R_DLV2():
    both = "Original-Recipient: rfc822; camille@example.org\r\n" + RECIPIENT
    assert read(notification(recipient=both)).recipient == "camille@example.fr"
    only_original = "Original-Recipient: rfc822; camille@example.org\r\n"
    assert read(notification(recipient=only_original)).recipient == "camille@example.org"


def test_the_reporter_is_the_reporting_server_else_the_sender_of_the_notification_R_DLV2():
    assert read(notification()).reporter == "relais.example.net"
    without_mta = "Arrival-Date: Sun, 29 Nov 2026 18:05:00 +0100\r\n"
    by_sender = read(notification(per_message=without_mta)).reporter
    assert by_sender == "Mail Delivery System <MAILER-DAEMON@relais.example.net>"
    assert read(notification(sender="", per_message=without_mta)).reporter == ""


def test_the_server_s_words_are_kept_on_one_line_and_at_most_500_characters_R_DLV2():
    folded = "Diagnostic-Code: smtp; 550 5.1.1 <camille@example.fr>:\r\n    user   unknown\r\n"
    assert read(notification(diagnostic=folded)).diagnostic == "smtp; 550 5.1.1 <camille@example.fr>: user unknown"
    long = read(notification(diagnostic=f"Diagnostic-Code: smtp; {'x' * 600}\r\n")).diagnostic
    assert long == ("smtp; " + "x" * 600)[:500]


def test_the_envelope_sender_a_postfix_report_names_is_read_R_DLV2():
    per_message = MTA + "X-Postfix-Sender: rfc822; bounces+41-0a1b2c3d@moncompte.localhost\r\n"
    assert read(notification(per_message=per_message)).original_sender == "bounces+41-0a1b2c3d@moncompte.localhost"


def test_the_same_report_has_the_same_fingerprint_whatever_its_line_ends_R_DLV2():
    """A relay may hand the same report on with CRLF or LF line ends: it is still one report (kept once)."""
    with_crlf, with_lf = read(notification()), read(notification().replace(b"\r\n", b"\n"))
    assert with_crlf.fingerprint == with_lf.fingerprint
    assert with_crlf.fingerprint != read(notification(status="5.1.2")).fingerprint


def test_a_report_is_read_up_to_its_size_limit_and_not_a_byte_beyond_R_DLV2():
    padding = MAX_REPORT_BYTES - len(notification())
    assert parse_report(notification(said="x" * padding)) is not None
    assert parse_report(notification(said="x" * (padding + 1))) is None


def test_a_message_the_parser_fails_on_is_logged_with_its_size_and_ignored_R_DLV2(monkeypatch, caplog):
    """Anyone can write to the bounce address: a message that makes the parser fail (none known: 20,000
    damaged reports tried) is not a crash of the inbox, it is left aside with one warning and its trace."""
    from moncompte.outbox import reports

    def failing(raw: bytes) -> None:
        raise ValueError("illisible")

    monkeypatch.setattr(reports, "_parse", failing)
    with caplog.at_level("WARNING", logger=reports.logger.name):
        assert parse_report(b"x" * 42) is None
    [record] = caplog.records
    assert (record.levelname, record.getMessage()) == ("WARNING", "message illisible ignoré (42 octets)")
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)
