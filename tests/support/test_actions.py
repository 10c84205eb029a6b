"""The desk's actions at the level of their use cases (R-SUP2): what each changes, for whom, and what the audit
log keeps of it (mutmut's survivors in support/actions.py)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.errors import DomainError
from moncompte.enrollment import limits
from moncompte.registry.models import Beneficiary
from moncompte.support.actions import Staff, address_erase, link_resend_for, throttles_lift
from moncompte.support.roles import Role
from tests import factories
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db
DESK = Client("10.1.2.3", "desk")
SUPERVISOR = Staff(username="sup.martin", role=Role.SUPERVISOR, client=DESK)
REASON = "appel de la personne"
NIR = "2840588321025"


def audit_row(event: str) -> tuple[object, ...]:
    row = AuditEvent.objects.get(event=event)
    return row.account_id, row.client_address, row.details


def test_a_link_resent_by_the_desk_is_audited_from_the_desk_for_that_account_R_SUP2(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    later = now + timedelta(minutes=2)
    link_resend_for(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=later)
    assert AuditEvent.objects.get(event="email_link_resent").client_address == DESK.address
    assert audit_row("support_link_resent") == (
        journey.account.pk,
        DESK.address,
        {"staff": "sup.martin", "reason": REASON, "email": "c•••••e@example.fr"},
    )


def pending_at(address: str) -> str:
    return f"{NIR}|{address}"


def test_lifting_limits_clears_them_for_every_address_the_person_used_in_the_last_day_only(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    old, recent = "198.51.100.1", "198.51.100.2"
    for address, at in ((old, now - timedelta(days=2)), (recent, now - timedelta(hours=2))):
        AuditEvent.objects.create(at=at, event="sign_in_failure", account_id=journey.account.pk, client_address=address)
        throttle.hit(limits.identity_failures_per_nir(), key=pending_at(address), now=now)
    lifted = throttles_lift(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now)
    assert lifted == 2  # the recent one and the one the code was sent from (CLIENT)
    assert throttle.count(limits.identity_failures_per_nir(), key=pending_at(recent), now=now) == 0
    assert throttle.count(limits.identity_failures_per_nir(), key=pending_at(old), now=now) == 1
    assert audit_row("support_throttles_lifted") == (
        journey.account.pk,
        DESK.address,
        {"staff": "sup.martin", "reason": REASON, "addresses": "2"},
    )


def test_lifting_limits_finds_addresses_by_account_or_by_nir_and_never_another_person_s(code_sent, now):
    from moncompte.core import tokens

    journey = factories.with_link_sent(code_sent, now)
    AuditEvent.objects.create(
        at=now, event="identity_not_matched", nir_pseudonym=tokens.pseudonym(NIR), client_address="198.51.100.3"
    )
    AuditEvent.objects.create(
        at=now, event="sign_in_failure", account_id=journey.account.pk + 1, client_address="198.51.100.4"
    )
    AuditEvent.objects.create(
        at=now, event="sign_in_failure", nir_pseudonym=tokens.pseudonym("1850575056048"), client_address="198.51.100.5"
    )
    assert throttles_lift(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now) == 2
    assert AuditEvent.objects.get(event="support_throttles_lifted").details["addresses"] == "2"


def other_pending_account(now) -> Account:
    person = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
    )
    account = Account.objects.create(
        beneficiary=person, state=AccountState.EMAIL_PENDING, created_at=now, code_email="v@example.fr"
    )
    email = EmailAddress.objects.create(
        account=account, address="v@example.fr", canonical="v@example.fr", created_at=now
    )
    EmailLink.objects.create(
        account=account, email=email, canonical="v@example.fr", digest="v".ljust(64, "0"), sent_at=now
    )
    return account


def test_erasing_the_pending_address_touches_neither_the_confirmed_one_nor_another_account_R_EM7(code_sent, now):
    journey = factories.active(code_sent, now)
    other = other_pending_account(now)
    from moncompte.enrollment.email_links import email_replace

    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    later = now + timedelta(hours=1)
    address_erase(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=later)
    assert sorted(EmailAddress.objects.values_list("address", flat=True)) == ["camille@example.fr", "v@example.fr"]
    kept = EmailLink.objects.filter(account=journey.account).values_list("email__address", flat=True)
    assert list(kept) == ["camille@example.fr"]
    assert EmailLink.objects.filter(account=other).count() == 1
    assert audit_row("support_address_erased") == (
        journey.account.pk,
        DESK.address,
        {"staff": "sup.martin", "reason": REASON},
    )


def test_erasing_the_only_address_waiting_dates_the_account_s_return_to_the_contact_step(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    later = now + timedelta(hours=1)
    address_erase(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=later)
    account = journey.refresh()
    assert (account.state, account.state_changed_at) == (AccountState.CONTACT_PENDING, later)


AGENT = Staff(username="agent.dupont", role=Role.AGENT, client=DESK)


def test_an_address_given_on_the_phone_is_sent_a_link_from_the_desk_and_audited_R_SUP2(code_sent, now):
    from moncompte.support.actions import address_change_for

    account = other_pending_account(now)  # no personal code yet: the desk may still set its address
    later = now + timedelta(minutes=2)
    masked = address_change_for(
        account_id=account.pk, address="autre@example.fr", staff=AGENT, reason=REASON, now=later
    )
    assert masked == "a•••e@example.fr"
    assert AuditEvent.objects.get(event="email_pending_replaced").client_address == DESK.address
    assert audit_row("support_address_changed") == (
        account.pk,
        DESK.address,
        {"staff": "agent.dupont", "reason": REASON, "email": "a•••e@example.fr"},
    )


def test_voiding_links_ends_only_this_account_s_unused_links_and_says_how_many_R_SUP2(code_sent, now):
    from moncompte.support.actions import links_void

    journey = factories.active(code_sent, now)  # its first link, used
    from moncompte.enrollment.email_links import email_replace

    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    other = other_pending_account(now)
    assert links_void(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now) == 1
    assert EmailLink.objects.filter(account=journey.account).count() == 1  # the used one stays
    assert EmailLink.objects.filter(account=other).count() == 1
    assert audit_row("support_links_voided") == (
        journey.account.pk,
        DESK.address,
        {"staff": "sup.martin", "reason": REASON, "count": "1"},
    )


def test_an_agent_cannot_create_agents_R_SUP1(db, now):
    from moncompte.support.actions import SupervisorOnly, agent_create

    with pytest.raises(SupervisorOnly):
        agent_create(username="agent.neuf", password="Agent-du-support-2026", staff=AGENT, reason=REASON, now=now)


def test_a_resend_refused_for_a_confirmed_address_is_said_to_the_staff_member(code_sent, now):
    """Issue 23, point 10: the refusal speaks of the person to the agent, never to « vous » who signs in."""
    journey = factories.active(code_sent, now)
    with pytest.raises(DomainError) as refused:
        link_resend_for(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now)
    assert refused.value.code == "link_resend_impossible"
    assert refused.value.message.startswith("Renvoi impossible : aucune adresse de ce compte n'attend de confirmation")
    assert "la personne se connecte avec son numéro de sécurité sociale" in refused.value.message
    assert "Connectez-vous" not in refused.value.message
    assert AuditEvent.objects.get(event="support_action_refused").details["why"] == "link_resend_impossible"


def test_a_resend_within_the_minute_is_refused_in_words_for_the_staff_member_R_EM9(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    with pytest.raises(DomainError) as refused:
        link_resend_for(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now)
    assert refused.value.code == "link_resend_limited"
    assert refused.value.message.startswith("Aucun lien n'est parti : le précédent est parti il y a moins d'une minute")
    assert "Vous pourrez" not in refused.value.message


def test_past_the_desk_s_hourly_limit_the_staff_member_is_told_the_limit_and_how_long_to_wait_R_SUP2(
    code_sent, now, settings
):
    from moncompte.support.actions import DeskActionsLimited, links_void

    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_actions_per_hour=2)
    journey = factories.with_link_sent(code_sent, now)
    for _ in range(2):
        links_void(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now)
    with pytest.raises(DeskActionsLimited) as refused:
        links_void(account_id=journey.account.pk, staff=SUPERVISOR, reason=REASON, now=now + timedelta(minutes=20))
    assert refused.value.message == (
        "Refusé : vous avez atteint la limite du guichet (2 actions par heure et par membre du support). "
        "Vous pourrez agir de nouveau dans 40 minutes."
    )


def test_a_refused_agent_creation_is_audited_with_the_name_asked_for_cut_to_150_characters_R_SUP7(db, now):
    from moncompte.support.actions import SupervisorOnly, agent_create

    with pytest.raises(SupervisorOnly):
        agent_create(username="a" * 200, password="Agent-du-support-2026", staff=AGENT, reason=REASON, now=now)
    assert AuditEvent.objects.get(event="support_action_refused").details["agent"] == "a" * 150


def test_an_agent_name_already_taken_whatever_its_case_is_refused_in_words_R_SUP1(db, now):
    from moncompte.support.actions import StaffRefused, agent_create

    agent_create(username="agent.neuf", password="Agent-du-support-2026", staff=SUPERVISOR, reason=REASON, now=now)
    with pytest.raises(StaffRefused) as refused:
        agent_create(username="Agent.Neuf", password="Agent-du-support-2026", staff=SUPERVISOR, reason=REASON, now=now)
    assert refused.value.message == "Création refusée : Ce nom d'utilisateur est déjà pris."


def test_an_agent_password_too_like_the_agent_s_name_is_refused_R_SUP1(db, now):
    from moncompte.support.actions import StaffRefused, agent_create

    with pytest.raises(StaffRefused) as refused:
        agent_create(
            username="dominique.lefebvre", password="Dominique-Lefebvre", staff=SUPERVISOR, reason=REASON, now=now
        )
    assert "trop semblable" in refused.value.message


def test_an_agent_s_authenticator_is_named_and_confirmed_R_SUP1(db, now):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from moncompte.support.actions import agent_create

    created = agent_create(
        username="agent.neuf", password="Agent-du-support-2026", staff=SUPERVISOR, reason=REASON, now=now
    )
    device = TOTPDevice.objects.get(user=created.user)
    assert (device.name, device.confirmed) == ("application d'authentification", True)
