"""R-MSG8, R-MSG9: the internal API of the Assurance Maladie's services — credentials (hashed, scoped, revocable,
two at once for a rotation), every call audited, one message to many NIRs under an idempotency key."""

from dataclasses import replace
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

from moncompte.accounts.models import Account
from moncompte.audit.models import AuditEvent
from moncompte.messaging.models import Message, ServiceCredential
from moncompte.messaging.services import Scope, TooManyActiveCredentials, credential_create, credential_revoke
from moncompte.registry.models import Beneficiary
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
CAMILLE = "2840588321025"  # active (the fixture's person)
DOMINIQUE = "1750133123456"  # an account still at its first step
NOBODY = "1850275123456"  # in the registry, no account


def call(token: str, **body):
    path, bearer = "/api/interne/v1/messages", f"Bearer {token}"
    answer = HttpClient().post(path, body, content_type="application/json", HTTP_AUTHORIZATION=bearer)
    return answer.status_code, answer.json()


def letter(key: str = "cpam88-2026-03-02-001", nirs=(CAMILLE,), **more):
    return {"idempotency_key": key, "subject": "Votre attestation", "body": "Bonjour.", "nirs": list(nirs), **more}


@pytest.fixture
def people(code_sent, now):
    factories.active(code_sent, now)
    for nir, name in ((DOMINIQUE, "MARTIN"), (NOBODY, "PETIT")):
        Beneficiary.objects.create(
            nir=nir, last_name=name, first_name="Dominique", birth_date=date(1975, 1, 1), postal_code="75001"
        )
    Account.objects.create(
        beneficiary=Beneficiary.objects.get(nir=DOMINIQUE), created_at=now, code_email="d@example.fr"
    )


@pytest.fixture
def token(now):
    return credential_create(service="CPAM des Vosges", scopes=[Scope.POST], now=now).token


def test_one_call_answers_for_each_person_and_posts_to_active_accounts_only_R_MSG9(people, token):
    nirs = [CAMILLE, DOMINIQUE, NOBODY, "123", "2 84 05 88 321 025 32"]
    status, body = call(token, **letter(nirs=nirs))
    assert status == 200
    assert [(r["nir"], r["result"]) for r in body["results"]] == [
        (CAMILLE, "posted"),
        (DOMINIQUE, "account_not_active"),
        (NOBODY, "no_account"),
        ("123", "invalid_nir"),
        ("2 84 05 88 321 025 32", "duplicate"),
    ]
    assert body["counts"]["posted"] == 1
    assert body["replayed"] is False
    assert (
        Message.objects.get().texts.sender_service == "CPAM des Vosges"
    )  # the credential's service, never the payload's


def test_a_retry_with_the_same_key_posts_nothing_and_another_request_is_refused_R_MSG9(people, token):
    first = call(token, **letter())
    again = call(token, **letter())
    assert again[1]["results"] == first[1]["results"]
    assert again[1]["replayed"] is True
    status, problem = call(token, **letter(body="Un autre texte."))
    assert (status, problem["code"]) == (409, "idempotency_key_reused")
    assert problem["type"] == "/api/interne/v1/problemes/idempotency_key_reused"
    assert Message.objects.count() == 1


def test_bad_texts_and_too_many_people_are_refused_with_nothing_posted_R_MSG9(people, token, settings):
    status, problem = call(token, **letter(body="texte\x00"))
    assert (status, problem["code"], problem["field"]) == (400, "message_body_invalid", "body")
    settings.MONCOMPTE = replace(settings.MONCOMPTE, internal_api_max_recipients=2)
    status, problem = call(token, **letter(key="une-autre-cle", nirs=[CAMILLE, DOMINIQUE, NOBODY]))
    assert (status, problem["code"], problem["field"]) == (400, "too_many_recipients", "nirs")
    status, problem = call(token, **letter(key="une-troisieme-cle", nirs=[CAMILLE, "1" * 31]))
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "nirs[1]")  # which entry
    assert not Message.objects.exists()


def test_the_secret_is_kept_as_a_digest_and_a_wrong_or_revoked_token_is_refused_and_audited_R_MSG8(people, token, now):
    stored = ServiceCredential.objects.get()
    assert token.split(".", 1)[1] not in (stored.digest, stored.key_id)
    assert call(token[:-1] + "x", **letter())[0] == 401
    assert call("", **letter())[0] == 401
    credential_revoke(key_id=stored.key_id, now=now)
    status, problem = call(token, **letter())
    assert (status, problem["code"]) == (401, "credential_refused")
    assert AuditEvent.objects.filter(event="internal_api_refused").count() == 3
    assert HttpClient().post("/api/interne/v1/messages", {}, content_type="application/json").status_code == 401
    assert AuditEvent.objects.filter(event="internal_api_refused").count() == 4  # no token at all: written too
    assert not Message.objects.exists()


def test_two_credentials_at_once_for_a_rotation_and_never_a_third_R_MSG8(people, token, now):
    second = credential_create(service="CPAM des Vosges", scopes=[Scope.POST], now=now).token
    assert call(token, **letter(key="cle-numero-1"))[0] == 200
    assert call(second, **letter(key="cle-numero-2"))[0] == 200
    with pytest.raises(TooManyActiveCredentials):
        credential_create(service="CPAM des Vosges", scopes=[Scope.POST], now=now)


def test_a_promotional_message_needs_its_scope_and_every_call_is_audited_R_MSG8(people, token):
    status, problem = call(token, **letter(kind="promotional"))
    assert (status, problem["code"]) == (403, "scope_missing")
    call(token, **letter())
    outcomes = [e.details["outcome"] for e in AuditEvent.objects.filter(event="internal_api_call").order_by("id")]
    assert outcomes == ["scope_missing", "ok"]
    last = AuditEvent.objects.filter(event="internal_api_call").latest("id")
    assert (last.details["service"], last.details["counts"], last.details["channel"]) == (
        "CPAM des Vosges",
        {"posted": 1},
        "internal",
    )


def test_the_command_creates_lists_and_revokes_credentials_R_MSG8(db, capsys):
    call_command("service_credential", "create", "CNAM campagnes", "--promotional")
    created = capsys.readouterr().out
    key_id = ServiceCredential.objects.get().key_id
    assert f"Accès {key_id} créé" in created
    assert "mcs_" in created
    call_command("service_credential", "revoke", key_id)
    call_command("service_credential", "list")
    assert "révoqué le" in capsys.readouterr().out
