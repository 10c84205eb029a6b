"""Issue 8, inputs and faults: each gets a clear French answer or is recorded where it belongs, and nothing
else is lost or held back."""

import pytest
from django.urls import reverse

from moncompte.outbox import mail
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.sink import received
from moncompte.outbox.transport import SmtpTransport

pytestmark = pytest.mark.django_db


def queue(to: str, now) -> OutboundEmail:
    names = {"first_name": "Camille", "last_name": "DURAND", "expires_at": now}
    return mail.enqueue(
        template="provisional_code", to=to, now=now, context=names, secret_context={"code": "Ab3dEf7hJk"}
    )


def test_an_address_the_relay_cannot_take_fails_alone_and_the_others_are_delivered(smtp_sink, now, traveller):
    controller, maildir = smtp_sink
    bad = queue("chloé@exämple.org", now)  # written before the form refused such addresses
    good = [queue(f"person{n}@example.fr", now) for n in range(3)]
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    assert len(received(maildir)) == 3
    bad.refresh_from_db()
    assert bad.status == EmailStatus.FAILED
    assert bad.delivery_attempts.get().smtp_reply.startswith("erreur interne")
    assert all(OutboundEmail.objects.get(pk=e.pk).status == EmailStatus.SENT for e in good)


def test_an_email_given_up_keeps_no_code_or_link(now, traveller):
    from moncompte.outbox.transport import DeliveryFailed

    class Refusing:
        def send(self, message, *, sender):
            raise DeliveryFailed("550 5.1.1 unknown user", permanent=True)

    email = queue("nobody@example.fr", now)
    deliver_due(transport=Refusing())
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert (email.body_text, email.body_html) == ("", "")
    assert "Ab3dEf7hJk" not in email.shown_text


def at_contact_step(client, code_sent) -> None:
    client.post(reverse("web:sign_in"), {"nir": "2840588321025", "code": code_sent.clear})
    code = "Vacances-Bretagne-42"
    client.post(reverse("web:choose_password"), {"password": code, "confirmation": code})


def test_an_accented_letter_before_the_at_sign_is_refused_clearly(client, code_sent, traveller):
    at_contact_step(client, code_sent)
    data = {"email": "chloé@exämple.org", "email_confirmation": "chloé@exämple.org", "consent_email": "non"}
    page = client.post(reverse("web:contact"), data).content.decode()
    assert "Les lettres accentuées ne sont pas acceptées avant le @" in page
    assert 'value="chloé@exämple.org"' in page  # what was typed is kept


def test_an_accented_domain_is_written_in_ascii(client, code_sent, traveller):
    at_contact_step(client, code_sent)
    data = {"email": "chloe@exämple.org", "email_confirmation": "chloe@exämple.org", "consent_email": "non"}
    response = client.post(reverse("web:contact"), data)
    assert response["Location"] == reverse("web:email_validation"), response.content.decode()[-3000:]
    assert OutboundEmail.objects.filter(template="email_confirmation").get().to_address == "chloe@xn--exmple-cua.org"


def run_import(tmp_path, content: bytes) -> tuple[str, bool]:
    import io

    from django.core.management import CommandError, call_command

    path = tmp_path / "registre.csv"
    path.write_bytes(content)
    err = io.StringIO()
    try:
        call_command("import_beneficiaries", str(path), stderr=err, stdout=io.StringIO())
    except CommandError as failed:
        return err.getvalue() + str(failed), False
    return err.getvalue(), True


HEADER = b"nir,last_name,first_name,birth_date,postal_code\n"
GOOD = b"2840588321025,DURAND,Camille,1984-05-03,88100\n"
LATIN_1 = "1850575056048,MÉLENCHON,Léa,1985-05-12,75011\n".encode("latin-1")
LONG_NAME = b"1850575056048," + b"N" * 101 + b",Lea,1985-05-12,75011\n"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (
            HEADER + GOOD + "1850575056048,MÉLENCHON,Léa,1985-05-12,75011\n".encode("latin-1"),
            "ligne 3 : caractères hors UTF-8",
        ),
        (("\ufeff" + (HEADER + GOOD).decode()).encode("utf-16"), "ligne 1 : le fichier est en UTF-16"),
        (HEADER + GOOD + b"1850575056048,NUL\x00,Lea,1985-05-12,75011\n", "ligne 3 : octet nul"),
        (
            HEADER + b"1850575056048," + b"N" * 101 + b",Lea,1985-05-12,75011\n",
            "ligne 2 : last_name : 101 caractères, 100 au plus",
        ),
    ],
)
def test_a_registry_file_with_bad_bytes_reports_its_lines_and_imports_nothing_R_REG1(tmp_path, content, said):
    from moncompte.registry.models import Beneficiary

    output, imported = run_import(tmp_path, content)
    assert not imported
    assert said in output
    assert Beneficiary.objects.count() == 0


def test_a_registry_file_with_only_its_header_says_nothing_was_imported(tmp_path):
    output, imported = run_import(tmp_path, HEADER)
    assert not imported
    assert "Aucune ligne après l'en-tête" in output
