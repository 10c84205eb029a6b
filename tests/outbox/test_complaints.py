"""R-DLV2: a complaint (ARF, RFC 5965) read field by field: what kind of feedback, about whom, who reports it
(the reported domain, else the source, else the report's sender), and the envelope sender it names."""

from pathlib import Path

import pytest

from moncompte.outbox.reports import ReportKind, parse_report

SAMPLE = (Path(__file__).parent.parent / "accounts" / "reports" / "arf_complaint.eml").read_text()
VERP = "bounces+7-0123456789abcdef@moncompte.localhost"


def complaint(*, without: tuple[str, ...] = (), adding: str = "") -> bytes:
    text = SAMPLE.replace("{verp}", VERP).replace("{to}", "camille@example.fr").replace("{message_id}", "<m1@x>")
    lines = [line for line in text.split("\n") if not line.startswith(without)]
    return "\n".join(lines).replace("Version: 1\n", f"Version: 1\n{adding}").encode()


def test_a_complaint_says_its_feedback_its_recipient_its_reporter_and_the_sender_it_names_R_DLV2():
    report = parse_report(complaint())
    assert report is not None
    assert (report.kind, report.status, report.diagnostic) == (ReportKind.COMPLAINT, "", "Feedback-Type: abuse")
    assert report.recipient == "camille@example.fr"  # without the angle brackets the field wraps it in
    assert (report.reporter, report.original_sender, report.original_message_id) == (
        "moncompte.localhost",
        VERP,
        "<m1@x>",
    )


@pytest.mark.parametrize(
    ("without", "adding", "reporter"),
    [
        (("Reported-Domain",), "Source: Hotmail\n", "Hotmail"),
        (("Reported-Domain",), "", "staff@hotmail.com"),  # the report's own sender
        ((), "Source: Hotmail\n", "moncompte.localhost"),
    ],
)
def test_the_reporter_is_the_reported_domain_else_the_source_else_the_sender_R_DLV2(without, adding, reporter):
    report = parse_report(complaint(without=without, adding=adding))
    assert report is not None
    assert report.reporter == reporter


def test_a_complaint_without_a_feedback_type_says_so_plainly_R_DLV2():
    report = parse_report(complaint(without=("Feedback-Type",)))
    assert report is not None
    assert report.diagnostic == "Feedback-Type:"


def test_the_sender_named_is_read_whole_even_in_capitals_ending_in_x_R_DLV2():
    shouted = "BOUNCES+7-0123456789ABCDEF@RETOURS.EXAMPLE.MX"
    report = parse_report(complaint().replace(VERP.encode(), shouted.encode()))
    assert report is not None
    assert report.original_sender == shouted
