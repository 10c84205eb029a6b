"""R-DLV2: a person whose address bounced is told so at the next sign-in, with the way to give another."""

from datetime import timedelta

import pytest
from django.urls import reverse

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.accounts.test_bounces import TO, sample
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"
TOLD = "Votre messagerie a refusé notre courriel"


def bounce(template: str, now) -> None:
    email = OutboundEmail.objects.filter(template=template, to_address=TO).latest("id")
    raw = sample("gmail_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)


def test_after_a_hard_bounce_the_pending_page_says_so_and_offers_another_address_R_DLV2(client, code_sent, now):
    factories.with_link_sent(code_sent, now, TO)
    bounce("email_confirmation", now)
    response = client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, follow=True)
    page = response.content.decode()
    # masked, as everywhere; in full only on request (a closed <details>), to the signed-in person
    assert page.count(TO) == 1
    assert f"<summary>Afficher l'adresse complète</summary>{TO}</details>" in page
    assert TOLD in page
    assert "n'existe pas ou n'accepte plus de messages" in page
    assert 'name="email_confirmation"' in page  # the form to give another address is right there


def test_a_soft_bounce_is_not_told_as_a_refusal(client, code_sent, now):
    factories.with_link_sent(code_sent, now, TO)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("delayed_soft", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
    page = client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, follow=True).content.decode()
    assert TOLD not in page


def test_an_active_account_whose_address_bounced_is_told_on_its_page_R_DLV2(client, code_sent, now):
    factories.active(code_sent, now, TO)
    bounce("email_confirmation", now)
    page = client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, follow=True).content.decode()
    assert "<h1>Mon compte</h1>" in page
    assert TOLD in page
    assert f'href="{reverse("web:email_change")}">modifier mon adresse email' in page


def test_confirming_the_address_clears_what_a_bounce_said_R_DLV2(client, code_sent, now):
    from moncompte.accounts.models import EmailAddress
    from moncompte.enrollment.email_links import email_confirm
    from tests.factories import CLIENT, last_link_token

    factories.with_link_sent(code_sent, now, TO)
    bounce("email_confirmation", now)
    assert EmailAddress.objects.get(canonical=TO).undeliverable_at is not None
    email_confirm(token=last_link_token(TO), client=CLIENT, now=now)
    assert EmailAddress.objects.get(canonical=TO).undeliverable_at is None


def test_a_bounced_message_notice_asks_for_a_new_address_at_the_next_sign_in_and_stops_the_notices_R_MSG5_R_DLV2(
    client, code_sent, now
):
    from tests.messaging.helpers import post

    account = factories.active(code_sent, now, TO).account
    post(account.pk, now)
    bounce("message_notice", now)  # the notification of « Ma messagerie », not a link, bounced
    page = client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, follow=True).content.decode()
    assert TOLD in page
    assert f'href="{reverse("web:email_change")}">modifier mon adresse email' in page
    post(account.pk, now + timedelta(days=2))  # past the interval, another would be sent to a good address
    assert OutboundEmail.objects.filter(template="message_notice").count() == 1
