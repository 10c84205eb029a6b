"""R-SUP1..4 in Chromium: a supervisor created by command signs in with a TOTP computed here, creates an
agent; the agent finds the person by NIR, reads the diagnosis (bounced address, old link opened), resends; the
person gives another address herself, signed in with her personal code (R-BOT2), and confirms the new link.
Every step is in the audit log; axe on each page."""

import base64
import re
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.audit.models import AuditEvent
from moncompte.outbox.models import OutboundEmail
from tests.accounts.test_bounces import sample
from tests.e2e.helpers import assert_accessible, wait_for_mail
from tests.e2e.journey import (
    EMAIL,
    NIR,
    PERSONAL_CODE,
    choose_personal_code,
    confirm_link,
    get_provisional_code,
    give_contact_details,
    link_of,
    sign_in,
)

pytestmark = pytest.mark.chromium
NEW_EMAIL = "camille.durand@autre-fournisseur.example"


def code_of(authenticator_url: str) -> str:
    """What the staff member's authenticator app shows now for this otpauth:// address."""
    secret = parse_qs(urlsplit(authenticator_url).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def staff_sign_in(page: Page, live_server, username: str, password: str, authenticator_url: str) -> None:
    page.goto(live_server.url + "/support/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_otp_token").fill(code_of(authenticator_url))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_an_agent_solves_never_got_the_email_from_one_page(page: Page, live_server, delivering, camille, settings):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    first_link = link_of(wait_for_mail(delivering, to=EMAIL, count=2).text)
    with time_machine.travel(timedelta(minutes=2), tick=True):
        sign_in(page, live_server, PERSONAL_CODE)
        page.get_by_role("button", name=re.compile("Renvoyer le lien")).first.click()
        expect(page.get_by_text("Un nouveau lien vient d'être envoyé")).to_be_visible()
        page.goto(first_link)  # the person clicks the old email
        expect(page.get_by_role("heading", name="Ce lien a été remplacé")).to_be_visible()
        latest = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
        wait_for_mail(delivering, to=EMAIL, count=3)
        raw = sample("gmail_hard", latest)
        bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=latest.created_at)

    with time_machine.travel(timedelta(minutes=5), tick=True):
        page.context.clear_cookies()
        settings.SUPERVISOR_PASSWORD = "Superviseur-du-support-2026"
        said = StringIO()
        call_command("create_supervisor", "marie.martin", noinput=True, stdout=said)
        supervisor_url = next(line for line in said.getvalue().splitlines() if line.startswith("otpauth://"))
        staff_sign_in(page, live_server, "marie.martin", "Superviseur-du-support-2026", supervisor_url)

        page.goto(live_server.url + "/support/agents/nouveau/")
        assert_accessible(page)
        page.get_by_label("Nom d'utilisateur").fill("agent.dupont")
        page.get_by_label("Mot de passe provisoire").fill("Agent-du-support-2026")
        page.get_by_label("Motif").fill("arrivée d'un agent dans l'équipe")
        page.get_by_role("button", name="Créer l'agent").click()
        agent_url = page.locator("[data-authenticator]").inner_text()
        qr_code = page.get_by_role("img", name=re.compile("Code QR de l'adresse"))
        expect(qr_code).to_be_visible()
        assert qr_code.evaluate("image => image.naturalWidth") > 0  # drawn: the page's policy lets it in
        assert_accessible(page)
        page.context.clear_cookies()

        staff_sign_in(page, live_server, "agent.dupont", "Agent-du-support-2026", agent_url)
        page.goto(live_server.url + "/support/personnes/")
        assert_accessible(page)
        page.get_by_label("Numéro de sécurité sociale").fill(NIR)
        page.get_by_label("Motif de la consultation").fill("appel de l'assurée, courriel non reçu")
        page.get_by_role("button", name="Rechercher").click()
        expect(page.get_by_role("heading", name="Camille DURAND")).to_be_visible()
        findings = page.locator(".findings")
        expect(findings.locator("[data-rule=envoi_refuse]")).to_contain_text("does not exist")
        expect(findings.locator("[data-rule=ancien_lien]")).to_contain_text("ancien lien")
        expect(page.get_by_text("Toutes les heures de ces pages sont à l'heure de Paris")).to_have_count(1)
        expect(page.get_by_role("region", name=re.compile("Événements du compte"))).to_contain_text(
            "Fiche ouverte au guichet"
        )
        assert_accessible(page)
        assert code not in page.content()

        page.locator("#reason-resend").fill("appel : renvoi demandé par l'assurée")
        page.get_by_role("button", name="Renvoyer le lien").click()
        expect(page.get_by_text(re.compile("^Lien renvoyé à"))).to_be_visible()

    with time_machine.travel(timedelta(minutes=8), tick=True):
        # R-BOT2: the desk sets no address once a personal code exists; the agent says how she does it herself.
        expect(page.locator("[data-rule=R-BOT2]")).to_contain_text("saisit elle-même la nouvelle adresse")
        expect(page.get_by_label("Nouvelle adresse")).to_have_count(0)
        page.context.clear_cookies()
        sign_in(page, live_server, PERSONAL_CODE)
        page.get_by_label("Saisissez votre adresse email").fill(NEW_EMAIL)
        page.get_by_label("Je confirme mon adresse email").fill(NEW_EMAIL)
        page.get_by_role("button", name="Recevoir le lien à cette adresse").click()
        expect(page.get_by_text("Un nouveau lien vient d'être envoyé")).to_be_visible()
        confirm_link(page, link_of(wait_for_mail(delivering, to=NEW_EMAIL).text))

    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    for step in (
        "support_agent_created",
        "support_search",
        "support_person_viewed",
        "support_link_resent",
        "email_pending_replaced",
        "email_confirmed",
    ):
        assert step in events, step
    assert events.count("staff_sign_in") == 2
