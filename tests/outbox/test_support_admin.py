import pytest
from django.urls import reverse

from moncompte.outbox.mail import enqueue

pytestmark = pytest.mark.django_db


def code_email(now):
    """A provisional code's email, its code kept apart (secret_context): what the support pages must never show."""
    return enqueue(
        template="provisional_code",
        to="camille@example.fr",
        now=now,
        context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
        secret_context={"code": "Ab3dEf7hJk"},
    )


def test_support_sees_the_email_and_its_attempts_but_never_the_code(admin_client, now):
    email = code_email(now)
    page = admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
    assert "Votre compte ameli - Votre code provisoire" in page
    assert "c•••••e@example.fr" in page
    assert "Ab3dEf7hJk" not in page


def test_support_sees_what_the_receiving_server_reported_R_DLV2(admin_client, code_sent, now):
    from moncompte.accounts.bounces import bounce_receive, envelope_recipients
    from moncompte.outbox.models import OutboundEmail
    from tests import factories
    from tests.accounts.test_bounces import TO, sample

    factories.with_link_sent(code_sent, now, TO)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("orange_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
    page = admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
    assert "adresse inexistante ou fermée" in page
    assert "OFR_416" in page


def test_support_can_filter_the_list_by_its_own_filters_but_never_search_the_bodies_holding_codes(admin_client, now):
    enqueue(
        template="provisional_code",
        to="camille@example.fr",
        now=now,
        context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
        secret_context={"code": "Ab3dEf7hJk"},
    )
    listing = reverse("admin:outbox_outboundemail_changelist")
    assert admin_client.get(listing, {"status__exact": "pending", "template": "provisional_code"}).status_code == 200
    # Guessing a pending code a character at a time through the list's URL is refused.
    assert admin_client.get(listing, {"body_text__contains": "Ab3"}).status_code == 400
    assert admin_client.get(listing, {"body_html__startswith": "<"}).status_code == 400


def test_support_can_neither_add_nor_delete_an_email_nor_add_attempts_or_reports(admin_client, now):
    email = code_email(now)
    assert admin_client.get(reverse("admin:outbox_outboundemail_add")).status_code == 403
    assert admin_client.get(reverse("admin:outbox_outboundemail_delete", args=[email.pk])).status_code == 403
    page = admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk]))
    assert [inline.formset.max_num for inline in page.context["inline_admin_formsets"]] == [0, 0]
