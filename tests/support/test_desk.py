"""R-SUP1..4: the desk — search, the person's page, actions with a reason, all audited; roles."""

import html

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts.models import EmailAddress
from moncompte.audit.models import AuditEvent
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.factories import last_link_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR_TYPED = "2 84 05 88 321 025 32"
REASON = "appel de l'assurée, lien non reçu"
SUPERVISOR_EVENTS = ["support_throttles_lifted", "support_links_voided", "support_address_erased"]


def search(client, query: str, reason: str = REASON):
    return client.post(reverse("admin:desk_search"), {"q": query, "motif": reason})


@pytest.fixture
def pending(code_sent, now):
    return factories.with_link_sent(code_sent, now).account


def test_a_person_is_found_by_nir_email_or_number_and_the_opening_audited_R_SUP2_R_SUP4(agent_client, pending):
    person_page = reverse("admin:desk_person", args=[pending.pk])
    for query in (NIR_TYPED, "2840588321025", "CAMILLE@example.fr", str(pending.pk)):
        assert search(agent_client, query)["Location"] == person_page
    page = agent_client.get(person_page).content.decode()
    assert "Camille DURAND" in page
    assert "Adresse email à confirmer par le lien" in page
    viewed = AuditEvent.objects.filter(event="support_person_viewed", account_id=pending.pk).latest("id")
    assert viewed.details == {"staff": "agent.dupont", "reason": REASON}


def test_an_address_with_accents_in_its_domain_is_found_typed_either_way_R_SUP4(agent_client, code_sent, now):
    """Stored as the relay gets it (IDNA); the agent types what the person spells out."""
    account = factories.with_link_sent(code_sent, now, email="camille@xn--exmple-cva.fr").account
    person_page = reverse("admin:desk_person", args=[account.pk])
    for query in ("camille@exémple.fr", "Camille@EXÉMPLE.FR", "camille@xn--exmple-cva.fr"):
        assert search(agent_client, query)["Location"] == person_page


def test_no_reason_no_search_and_no_page_R_SUP2(agent_client, pending):
    page = search(agent_client, NIR_TYPED, reason="").content.decode()
    assert "Indiquez le motif" in page
    assert agent_client.get(reverse("admin:desk_person", args=[pending.pk]))["Location"].startswith(
        reverse("admin:desk_search")
    )
    assert not AuditEvent.objects.filter(event="support_person_viewed").exists()


def test_the_agent_resends_with_a_reason_but_sets_no_address_once_a_personal_code_exists_R_SUP2_R_BOT2(
    agent_client, pending, traveller
):
    search(agent_client, NIR_TYPED)
    traveller.shift(120)  # a link may be sent again after a minute (R-EM9)
    act = lambda name, **data: agent_client.post(  # noqa: E731
        reverse("admin:desk_action", args=[pending.pk, name]), {"reason": REASON, **data}, follow=True
    )
    act("renvoyer-le-lien")
    assert OutboundEmail.objects.filter(template="email_confirmation", to_address="camille@example.fr").count() == 2
    traveller.shift(120)
    page = html.unescape(act("changer-l-adresse", address="camille.durand@autre.example").content.decode())
    assert "le support ne change donc pas son adresse" in page
    assert not OutboundEmail.objects.filter(to_address="camille.durand@autre.example").exists()
    events = AuditEvent.objects.filter(event__in=["support_link_resent", "support_address_refused"])
    assert [(e.event, e.details["staff"], e.details["reason"]) for e in events.order_by("id")] == [
        ("support_link_resent", "agent.dupont", REASON),
        ("support_address_refused", "agent.dupont", REASON),
    ]
    assert not AuditEvent.objects.filter(event="support_address_changed").exists()


def test_an_action_without_reason_is_refused(agent_client, pending):
    search(agent_client, NIR_TYPED)
    agent_client.post(reverse("admin:desk_action", args=[pending.pk, "renvoyer-le-lien"]), {"reason": " "})
    assert OutboundEmail.objects.filter(template="email_confirmation").count() == 1
    assert not AuditEvent.objects.filter(event="support_link_resent").exists()


@pytest.mark.parametrize("name", ["lever-les-limites", "annuler-les-liens", "effacer-l-adresse"])
def test_an_agent_cannot_do_what_only_a_supervisor_may_R_SUP1(agent_client, admin_client, pending, name):
    search(agent_client, NIR_TYPED)
    agent_client.post(reverse("admin:desk_action", args=[pending.pk, name]), {"reason": REASON})
    assert (
        not AuditEvent.objects.filter(event__startswith="support_", event__endswith=("ed"))
        .exclude(event__in=["support_person_viewed", "support_action_refused"])
        .exists()
    )
    search(admin_client, NIR_TYPED)
    admin_client.post(reverse("admin:desk_action", args=[pending.pk, name]), {"reason": REASON})
    assert (
        AuditEvent.objects.filter(
            event__in=["support_throttles_lifted", "support_links_voided", "support_address_erased"]
        ).count()
        == 1
    )


def test_nothing_of_the_desk_without_staff_and_second_factor_R_SUP1(client, pending, django_user_model):
    pages = [reverse("admin:desk_search"), reverse("admin:desk_person", args=[pending.pk])]
    pages.append(reverse("admin:desk_action", args=[pending.pk, "renvoyer-le-lien"]))
    pages += [reverse("admin:desk_restarts"), reverse("admin:desk_restart_request", args=[pending.pk])]  # R-BOT2
    pages.append(reverse("admin:desk_restart_decide", args=[pending.pk, 1, "valider"]))
    staff = django_user_model.objects.create_user("sans.facteur", password="Sans-second-facteur-2026", is_staff=True)
    person = django_user_model.objects.create_user("assure", password="Pas-du-personnel-2026")
    for who in (None, person, staff):
        browser = HttpClient()
        if who is not None:
            browser.force_login(who)
        for url in pages:
            assert browser.get(url)["Location"].startswith("/support/login/"), (who, url)
            assert browser.post(url, {"reason": REASON})["Location"].startswith("/support/login/"), (who, url)


def test_staff_never_see_a_code_or_a_link_token_R_SUP3(agent_client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    search(agent_client, NIR_TYPED)
    page = agent_client.get(reverse("admin:desk_person", args=[code_sent.sent.account_id])).content.decode()
    assert code_sent.clear not in page
    assert token not in page


@pytest.mark.parametrize("step", ["with_personal_code", "with_link_sent", "active"])
def test_the_desk_sets_no_address_on_an_account_whose_personal_code_exists_R_BOT2(admin_client, code_sent, now, step):
    """A takeover path otherwise: whoever reads the new address confirms it, then « Code oublié ? »."""
    account = getattr(factories, step)(code_sent, now).account
    search(admin_client, NIR_TYPED)
    page = admin_client.get(reverse("admin:desk_person", args=[account.pk])).content.decode()
    assert 'name="address"' not in page  # no form for it: the page says what the person does instead
    forged = admin_client.post(
        reverse("admin:desk_action", args=[account.pk, "changer-l-adresse"]),
        {"reason": REASON, "address": "quelqu.un@autre.example"},
        follow=True,
    )
    assert "saisit elle-même la nouvelle adresse" in html.unescape(forged.content.decode())
    assert not EmailAddress.objects.filter(canonical="quelqu.un@autre.example").exists()
    assert not OutboundEmail.objects.filter(to_address="quelqu.un@autre.example").exists()
    refused = AuditEvent.objects.get(event="support_address_refused")
    assert (refused.account_id, refused.details["why"]) == (account.pk, "personal_code_address")


def test_acting_on_a_person_needs_the_search_and_its_reason_first(agent_client, pending):
    answer = agent_client.post(reverse("admin:desk_action", args=[pending.pk, "renvoyer-le-lien"]), {"reason": REASON})
    assert answer["Location"].startswith(reverse("admin:desk_search"))
    assert not AuditEvent.objects.filter(event="support_link_resent").exists()


def test_a_search_by_link_from_another_site_writes_nothing(agent_client, pending):
    """The search is a POST with its CSRF token; a GET with a query only shows the form."""
    agent_client.get(reverse("admin:desk_search"), {"q": NIR_TYPED, "motif": "demande du directeur"})
    assert not AuditEvent.objects.filter(event__in=["support_search", "support_person_viewed"]).exists()


def test_an_unknown_account_is_a_404(agent_client):
    search(agent_client, "999999")
    assert agent_client.get(reverse("admin:desk_person", args=[999999])).status_code == 404


def test_agents_are_created_with_a_reason_and_a_name_nobody_has_whatever_its_case(admin_client):
    url = reverse("admin:desk_agent_new")
    good = {"username": "agent.a", "password": "Agent-du-support-2026", "reason": "arrivée dans l'équipe"}
    assert "otpauth://" in admin_client.post(url, good).content.decode()
    for changes, said in (
        ({"username": "AGENT.A"}, "déjà pris"),
        ({"username": "x" * 300}, "Création refusée"),
        ({"username": "agent.b", "reason": ""}, "motif"),
    ):
        page = admin_client.post(url, {**good, **changes}).content.decode()
        assert said in page
        assert "otpauth://" not in page
    assert AuditEvent.objects.get(event="support_agent_created").details["reason"] == "arrivée dans l'équipe"


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("lever-les-limites", "throttles_lift"),
        ("annuler-les-liens", "links_void"),
        ("effacer-l-adresse", "address_erase"),
    ],
)
def test_an_agent_s_refused_supervisor_action_is_audited_with_who_what_which_account_and_why_R_SUP7(
    agent_client, pending, name, action
):
    search(agent_client, NIR_TYPED)
    page = agent_client.post(reverse("admin:desk_action", args=[pending.pk, name]), {"reason": REASON}, follow=True)
    assert "Cette action est réservée aux superviseurs." in page.content.decode()
    refused = AuditEvent.objects.get(event="support_action_refused")
    assert (refused.account_id, refused.client_address) == (pending.pk, "127.0.0.1")
    assert refused.details == {"staff": "agent.dupont", "action": action, "reason": REASON, "why": "supervisor_only"}


def test_a_refused_change_of_address_is_audited_whatever_refuses_it_R_SUP7(agent_client, pending, traveller):
    from moncompte.accounts.models import Account

    Account.objects.filter(pk=pending.pk).update(password_hash="")  # no personal code: the agent may change it
    search(agent_client, NIR_TYPED)
    traveller.shift(120)
    change = reverse("admin:desk_action", args=[pending.pk, "changer-l-adresse"])
    agent_client.post(change, {"reason": "x", "address": "autre@example.fr"})
    agent_client.post(change, {"reason": REASON, "address": "pas-une-adresse"})
    refusals = AuditEvent.objects.filter(event="support_action_refused").order_by("id")
    assert [(r.account_id, r.details["action"], r.details["reason"]) for r in refusals] == [
        (pending.pk, "address_change_for", "x"),
        (pending.pk, "address_change_for", REASON),
    ]
    assert refusals[0].details["why"] == "reason_missing"
    assert refusals[1].details["why"] == "email_invalid"  # R-CT1: the desk no longer stores it as given
    assert not OutboundEmail.objects.filter(to_address__in=["autre@example.fr", "pas-une-adresse"]).exists()


def test_an_action_on_a_person_not_opened_is_refused_and_audited_R_SUP7(admin_client, pending):
    admin_client.post(reverse("admin:desk_action", args=[pending.pk, "annuler-les-liens"]), {"reason": REASON})
    refused = AuditEvent.objects.get(event="support_action_refused")
    assert (refused.account_id, refused.details["action"], refused.details["why"]) == (
        pending.pk,
        "links_void",
        "person_not_opened",
    )
    assert not AuditEvent.objects.filter(event="support_links_voided").exists()


def test_an_unknown_action_or_a_get_of_one_is_refused_and_audited_R_SUP7(agent_client, pending):
    search(agent_client, NIR_TYPED)
    unknown = agent_client.post(reverse("admin:desk_action", args=[pending.pk, "tout-effacer"]), {"reason": REASON})
    fetched = agent_client.get(reverse("admin:desk_action", args=[pending.pk, "annuler-les-liens"]))
    assert (unknown.status_code, fetched.status_code) == (403, 403)
    refusals = AuditEvent.objects.filter(event="support_action_refused").order_by("id")
    assert [(r.account_id, r.details["action"], r.details["why"]) for r in refusals] == [
        (pending.pk, "tout-effacer", "unknown_action"),
        (pending.pk, "annuler-les-liens", "not_posted"),
    ]


def test_an_agent_who_tries_to_create_an_agent_is_refused_and_audited_R_SUP7(agent_client):
    answer = agent_client.post(
        reverse("admin:desk_agent_new"), {"username": "complice", "password": "Agent-du-support-2026", "reason": REASON}
    )
    assert answer.status_code == 403
    assert agent_client.get(reverse("admin:desk_agent_new")).status_code == 403
    refused = AuditEvent.objects.get(event="support_action_refused")
    assert refused.details == {
        "staff": "agent.dupont",
        "action": "agent_create",
        "reason": REASON,
        "why": "supervisor_only",
        "agent": "complice",
    }


def test_after_an_action_the_desk_says_what_was_done_and_what_to_tell_the_person(admin_client, pending, traveller):
    """Issue 23, point 10: « C'est fait : l'action est écrite au journal » said nothing the agent could use."""
    search(admin_client, NIR_TYPED)
    traveller.shift(120)  # a link may be sent again after a minute (R-EM9)
    act = lambda name: html.unescape(  # noqa: E731
        admin_client.post(
            reverse("admin:desk_action", args=[pending.pk, name]), {"reason": REASON}, follow=True
        ).content.decode()
    )
    page = act("renvoyer-le-lien")
    assert "Lien renvoyé à c•••••e@example.fr, valable jusqu'au 09/03/2026 à 10:02." in page
    assert "À dire : le courriel « Votre compte ameli - Confirmation de votre adresse mail »" in page
    assert "C'est fait" not in page
    voided = act("annuler-les-liens")
    assert "2 lien(s) non utilisé(s) annulé(s) : aucun lien déjà envoyé ne fonctionne plus" in voided
    erased = act("effacer-l-adresse")
    assert "Adresse non confirmée effacée, avec ses liens. À dire : à sa prochaine connexion" in erased
