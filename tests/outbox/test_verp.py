"""R-DLV2: a bounce address is recognised however the receiving side wrote it back: within angle brackets,
with spaces, in capitals, whatever the bounce domain's last letter."""

from dataclasses import replace

from moncompte.outbox.verp import email_id_from, envelope_sender


def test_a_bounce_address_written_back_in_brackets_or_with_spaces_names_its_message_R_DLV2():
    sender = envelope_sender(41)
    assert email_id_from(f"<{sender}>") == 41
    assert email_id_from(f"  <{sender}> \r\n") == 41


def test_a_bounce_domain_ending_in_x_is_recognised_in_capitals_R_DLV2(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, bounce_domain="retours.example.mx")
    sender = envelope_sender(41)
    assert sender.endswith("@retours.example.mx")
    assert email_id_from(sender.upper()) == 41
    assert email_id_from(f"<{sender.upper()}>") == 41
