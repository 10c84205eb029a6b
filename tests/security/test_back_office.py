"""Issue 8, item 7: the back office (/support/) is locked down."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from moncompte.audit.models import AuditEvent
from tests import factories
from tests.helpers import totp_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
LOGIN = "/support/login/"


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("agent", "agent@example.fr", "Long-and-unusual-2026")


def test_wrong_staff_passwords_are_throttled_and_audited(staff):
    browser = HttpClient()
    for _ in range(10):
        assert browser.post(LOGIN, {"username": "agent", "password": "nope"}).status_code == 200
    refused = browser.post(LOGIN, {"username": "agent", "password": "Long-and-unusual-2026"})
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.content.decode()
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("staff_sign_in_failure") == 10
    assert "staff_sign_in_throttled" in events
    assert all("nope" not in str(details) for details in AuditEvent.objects.values_list("details", flat=True))


def test_staff_sign_ins_and_sign_outs_are_audited(staff):
    device = TOTPDevice.objects.create(user=staff, name="téléphone", confirmed=True)
    browser = HttpClient()
    signed = browser.post(
        LOGIN, {"username": "agent", "password": "Long-and-unusual-2026", "otp_token": totp_token(device)}
    )
    assert signed.status_code == 302
    browser.post("/support/logout/")
    assert {"staff_sign_in", "staff_sign_out"} <= set(AuditEvent.objects.values_list("event", flat=True))


def test_no_credential_nor_identity_can_be_edited_in_the_back_office(admin_client, code_sent, now):
    account = factories.active(code_sent, now).account
    page = admin_client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    assert page.status_code == 200
    assert "password_hash" not in page.content.decode()
    assert "$argon2id$" not in page.content.decode()
    posted = admin_client.post(reverse("admin:accounts_account_change", args=[account.pk]), {"password_hash": "x"})
    assert posted.status_code == 403
    identity = admin_client.post(
        reverse("admin:registry_beneficiary_change", args=[account.beneficiary_id]), {"last_name": "AUTRE"}
    )
    assert identity.status_code == 403
    account.refresh_from_db()
    assert account.password_hash.startswith("$argon2id$")
    assert account.beneficiary.last_name == "DURAND"


def test_a_weak_staff_password_is_refused_at_creation(tmp_path):
    env = {**os.environ, "SECRET_KEY": "k" * 50, "MONCOMPTE_VAR_DIR": str(tmp_path), "DJANGO_SUPERUSER_PASSWORD": "a"}
    env.pop("DATABASE_URL", None)  # the validator is the same on any database: a fresh SQLite one migrates fastest
    subprocess.run([MONCOMPTE, "migrate", "-v", "0"], env=env, check=True)
    created = subprocess.run(
        [MONCOMPTE, "createsuperuser", "--noinput", "--username", "x", "--email", "x@example.fr"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode != 0
    assert "Mot de passe refusé" in created.stderr


def test_staff_passwords_set_and_staff_deletions_are_audited(staff):
    staff.set_password("Another-long-one-2027")
    staff.save()
    other = User.objects.create_user("stagiaire", password="Yet-another-long-2027")
    User.objects.filter(pk=other.pk).delete()  # as "delete selected" does, without the model's signals on save
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("staff_password_set") >= 2
    assert "staff_deletion" in events
    assert all("Another-long-one" not in str(d) for d in AuditEvent.objects.values_list("details", flat=True))
