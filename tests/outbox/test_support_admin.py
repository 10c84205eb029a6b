import pytest
from django.urls import reverse

from moncompte.outbox.mail import enqueue

pytestmark = pytest.mark.django_db


def test_support_sees_the_email_and_its_attempts_but_never_the_code(admin_client, now):
    email = enqueue(
        template="provisional_code",
        to="camille@example.fr",
        now=now,
        context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
        secret_context={"code": "Ab3dEf7hJk"},
    )
    page = admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
    assert "Votre compte ameli - Votre code provisoire" in page
    assert "c•••••e@example.fr" in page
    assert "Ab3dEf7hJk" not in page
