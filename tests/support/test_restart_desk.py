"""R-BOT2 on the desk's pages: supervisor A requests the restart on the person's page, supervisor B approves it
there; an agent's forged POST, a self-approval, a replay, a request through another person's page, garbage and
an unknown decision are refused (and audited where they reach a use case). NUL characters never reach the
database (PostgreSQL refuses them)."""

import html

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.outbox.models import OutboundEmail
from moncompte.registry.models import Beneficiary
from moncompte.support.models import RestartRequest, RestartStatus
from moncompte.support.roles import Role, staff_create
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR_TYPED = "2 84 05 88 321 025 32"
CONSULTED = "assurée à l'accueil : compte créé par un tiers"
REQUEST = {
    "identity_checked": "oui",
    "document": "passeport",
    "reason": "Assurée reçue à l'accueil avec son passeport : compte créé par un tiers",
}


def staff_client(username: str, role: Role) -> HttpClient:
    """A staff member signed in to /support/ with the second factor (R-SUP1)."""
    user = staff_create(username=username, password="Support-du-guichet-2026", role=role).user
    client = HttpClient()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def taken(code_sent, now) -> Account:
    return factories.active(code_sent, now, email="pirate@example.net").account


@pytest.fixture
def desk(taken):
    """Three staff members who opened the person's page with a search and its reason."""
    people = {
        "a": staff_client("superviseur.a", Role.SUPERVISOR),
        "b": staff_client("superviseur.b", Role.SUPERVISOR),
        "agent": staff_client("agent.dupont", Role.AGENT),
    }
    for client in people.values():
        client.post(reverse("admin:desk_search"), {"q": NIR_TYPED, "motif": CONSULTED})
    return people


def shown(answer) -> str:
    return html.unescape(answer.content.decode())


def request_restart(client, account_id, **changes):
    url = reverse("admin:desk_restart_request", args=[account_id])
    return client.post(url, {**REQUEST, **changes}, follow=True)


def decide(client, account_id, request_id, decision, **data):
    url = reverse("admin:desk_restart_decide", args=[account_id, request_id, decision])
    return client.post(url, data, follow=True)


def test_supervisor_a_requests_and_supervisor_b_approves_on_the_person_s_page_R_BOT2(desk, taken):
    page = shown(request_restart(desk["a"], taken.pk))
    assert "Demande enregistrée" in page
    assert "Un autre superviseur doit la valider dans les 2 jours" in page
    assert "Vous avez fait cette demande" in page
    assert "Valider la reprise de la création" not in page  # no button for the requester
    made = RestartRequest.objects.get()
    on_b = shown(desk["b"].get(reverse("admin:desk_person", args=[taken.pk])))
    assert "Assurée reçue à l'accueil avec son passeport" in on_b
    assert "Valider la reprise de la création" in on_b
    listed = shown(desk["b"].get(reverse("admin:desk_restarts")))
    assert f"Compte n° {taken.pk}" in listed
    page = shown(decide(desk["b"], taken.pk, made.pk, "valider"))
    assert "Reprise faite" in page
    assert "la personne recommence à l'étape « Mon identité »" in page
    assert Account.objects.get(pk=taken.pk).state == AccountState.PROVISIONAL
    assert OutboundEmail.objects.filter(template="enrollment_restarted", to_address="pirate@example.net").exists()
    events = AuditEvent.objects.filter(event__startswith="support_restart").order_by("id")
    assert [(e.event, e.details["staff"]) for e in events] == [
        ("support_restart_requested", "superviseur.a"),
        ("support_restart_approved", "superviseur.b"),
    ]


def test_the_requester_s_forged_approval_is_refused_and_audited_R_BOT2(desk, taken):
    request_restart(desk["a"], taken.pk)
    page = shown(decide(desk["a"], taken.pk, RestartRequest.objects.get().pk, "valider"))
    assert "un autre superviseur doit la valider (règle des quatre yeux)" in page
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE
    assert AuditEvent.objects.get(event="support_restart_refused").details["why"] == "restart_own_request"


def test_an_agent_sees_no_restart_form_and_a_forged_post_is_refused_and_audited_R_BOT2(desk, taken):
    page = shown(desk["agent"].get(reverse("admin:desk_person", args=[taken.pk])))
    assert "Seul un superviseur peut demander la reprise" in page
    assert 'name="identity_checked"' not in page
    assert "réservée aux superviseurs" in shown(request_restart(desk["agent"], taken.pk))
    request_restart(desk["a"], taken.pk)
    made = RestartRequest.objects.get()
    assert "réservée aux superviseurs" in shown(decide(desk["agent"], taken.pk, made.pk, "valider"))
    assert desk["agent"].get(reverse("admin:desk_restarts")).status_code == 403
    refused = AuditEvent.objects.filter(event="support_restart_refused")
    assert [(e.details["staff"], e.details["why"]) for e in refused] == [("agent.dupont", "supervisor_only")] * 2
    assert RestartRequest.objects.get().status == RestartStatus.PENDING


def test_a_replayed_approval_is_refused_and_the_account_is_restarted_once_R_BOT2(desk, taken):
    request_restart(desk["a"], taken.pk)
    made = RestartRequest.objects.get()
    decide(desk["b"], taken.pk, made.pk, "valider")
    assert "déjà été traitée" in shown(decide(desk["b"], taken.pk, made.pk, "valider"))
    assert OutboundEmail.objects.filter(template="enrollment_restarted").count() == 1
    assert AuditEvent.objects.get(event="support_restart_refused").details["why"] == "restart_already_decided"


def test_garbage_gets_a_french_answer_never_a_500_R_BOT2(desk, taken):
    for changes, said in (
        ({"reason": "\x00" * 40}, "au moins 20 caractères"),
        ({"reason": "x" * 100_000 + "\x00"}, "Demande enregistrée"),
        ({"identity_checked": "1"}, "vérifié l'identité"),
        ({"document": "passeport\x00"}, "vérifié l'identité"),
        ({"document": ["passeport", "permis_conduire"]}, "Une demande de reprise est déjà en attente"),
    ):
        answer = request_restart(desk["a"], taken.pk, **changes)
        assert answer.status_code == 200
        assert said in shown(answer), changes
    assert len(RestartRequest.objects.get().reason) == 500
    made = RestartRequest.objects.get()
    assert decide(desk["b"], taken.pk, made.pk, "supprimer").status_code == 403  # an unknown decision
    assert desk["b"].get(reverse("admin:desk_restart_decide", args=[taken.pk, made.pk, "valider"])).status_code == 403
    assert "au moins 20 caractères" in shown(decide(desk["b"], taken.pk, made.pk, "refuser", reason="\x00non"))
    assert RestartRequest.objects.get().status == RestartStatus.PENDING


def test_a_request_is_decided_only_on_its_own_person_s_page_R_BOT2(desk, taken):
    other_person = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Paul", birth_date="1985-05-12", postal_code="75011"
    )
    other = Account.objects.create(beneficiary=other_person, created_at=taken.created_at, code_email="p@example.fr")
    desk["b"].post(reverse("admin:desk_search"), {"q": str(other.pk), "motif": CONSULTED})
    request_restart(desk["a"], taken.pk)
    page = shown(decide(desk["b"], other.pk, RestartRequest.objects.get().pk, "valider"))
    assert "n'existe pas" in page
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE


def test_deciding_needs_the_person_opened_with_a_search_and_its_reason_first(taken, desk):
    request_restart(desk["a"], taken.pk)
    fresh = staff_client("superviseur.c", Role.SUPERVISOR)
    answer = fresh.post(
        reverse("admin:desk_restart_decide", args=[taken.pk, RestartRequest.objects.get().pk, "valider"])
    )
    assert answer["Location"].startswith(reverse("admin:desk_search"))
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE


def test_a_nul_in_the_search_reason_is_cleaned_before_the_audit_log(desk, taken):
    """PostgreSQL refuses a NUL in text and JSON: the search answered 500 there before."""
    agent = desk["agent"]
    answer = agent.post(reverse("admin:desk_search"), {"q": NIR_TYPED + "\x00", "motif": "appel\x00 de l'assurée"})
    assert answer["Location"] == reverse("admin:desk_person", args=[taken.pk])
    assert AuditEvent.objects.filter(event="support_search").latest("id").details["reason"] == "appel de l'assurée"
