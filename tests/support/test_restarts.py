"""R-BOT2: the four-eyes restart of an enrollment — requested by one supervisor after an identity check in person,
decided by another before it expires; every step and every refusal in the audit log; the approval ends every
session and app token, forgets the contact details, tells the previous address and lets the person start again."""

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentRecord, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.appsessions.tokens import TokenRefused, bearer_of, session_open, session_refresh
from moncompte.audit.models import AuditEvent
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import email_confirm
from moncompte.enrollment.errors import AccountAlreadyExists
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.password_choose import password_choose
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.errors import SignInRejected
from moncompte.selfservice.sign_in import sign_in
from moncompte.support import restarts
from moncompte.support.actions import Staff, SupervisorOnly
from moncompte.support.models import RestartRequest, RestartStatus
from moncompte.support.restarts import (
    IdentityNotChecked,
    OwnRestartRequest,
    RestartAlreadyDecided,
    RestartAlreadyPending,
    RestartExpired,
    RestartReasonTooShort,
    RestartUnknown,
    restart_approve,
    restart_reject,
    restart_request,
    restart_requests_expire,
)
from moncompte.support.roles import Role
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db
SUPERVISOR_A = Staff("superviseur.a", Role.SUPERVISOR, CLIENT)
SUPERVISOR_B = Staff("superviseur.b", Role.SUPERVISOR, CLIENT)
AGENT = Staff("agent.dupont", Role.AGENT, CLIENT)
REASON = "Assurée reçue à l'accueil : compte créé par un tiers avec une autre adresse"
NIR_TYPED = "2 84 05 88 321 025 32"
NIR = nir_rules.parse("2840588321025")


def ask(account_id, now, *, staff=SUPERVISOR_A, reason=REASON, checked=True, document="carte_identite"):
    return restart_request(
        account_id=account_id, staff=staff, reason=reason, identity_checked=checked, identity_document=document, now=now
    )


def identity_step(now, *, email: str):
    """The first visit's identity step, as the person takes it again: NIR, birth date, postal code, address."""
    return code_send(
        nir=NIR, birth_date=date(1984, 5, 3), postal_code="88100", email=email, captcha=solved_captcha(now),
        client=CLIENT, now=now,
    )  # fmt: skip


def refusals(why: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(event="support_restart_refused") if e.details["why"] == why]


@pytest.fixture
def taken(code_sent, now):
    """An account someone else created and activated with their own address, phone and consents."""
    journey = factories.with_personal_code(code_sent, now)
    details = factories.details("pirate@example.net", mobile="+33650564278", yes=("email", "mobile_sms"))
    contact_submit(account_id=journey.account.pk, details=details, client=CLIENT, now=now)
    email_confirm(token=factories.last_link_token("pirate@example.net"), client=CLIENT, now=now)
    return journey.refresh()


def test_an_agent_cannot_request_approve_or_reject_and_each_try_is_audited_R_BOT2(taken, now):
    with pytest.raises(SupervisorOnly):
        ask(taken.pk, now, staff=AGENT)
    made = ask(taken.pk, now)
    for attempt in (
        lambda: restart_approve(request_id=made.pk, account_id=taken.pk, staff=AGENT, now=now),
        lambda: restart_reject(request_id=made.pk, account_id=taken.pk, staff=AGENT, reason=REASON, now=now),
    ):
        with pytest.raises(SupervisorOnly):
            attempt()
    assert [(e.details["staff"], e.account_id) for e in refusals("supervisor_only")] == [("agent.dupont", taken.pk)] * 3
    assert RestartRequest.objects.get().status == RestartStatus.PENDING


@pytest.mark.parametrize(
    ("reason", "accepted"),
    [
        ("x" * 19, False),
        ("x" * 20, True),
        ("  ok  \n\t  ok   ok  ok  ok  ", False),  # spaces squeezed: 14 characters
        ("", False),
        ("\x00\u200b\x1b" * 10, False),  # invisible: nothing is left (and PostgreSQL refuses a NUL)
        ("motif\x00 avec un caractère nul", True),
    ],
)
def test_the_reason_is_a_sentence_of_at_least_20_characters_R_BOT2(taken, now, reason, accepted):
    if accepted:
        assert ask(taken.pk, now, reason=reason).reason == " ".join(reason.replace("\x00", " ").split())
    else:
        with pytest.raises(RestartReasonTooShort, match="au moins 20 caractères"):
            ask(taken.pk, now, reason=reason)
        assert len(refusals("restart_reason_too_short")) == 1
        assert not RestartRequest.objects.exists()


def test_a_reason_is_kept_to_500_characters_R_BOT2(taken, now):
    assert len(ask(taken.pk, now, reason="motif " * 1000).reason) == 500


@pytest.mark.parametrize(("checked", "document"), [(False, "passeport"), (True, ""), (True, "carte de cantine")])
def test_the_identity_check_in_person_is_declared_with_its_document_R_BOT2(taken, now, checked, document):
    with pytest.raises(IdentityNotChecked):
        ask(taken.pk, now, checked=checked, document=document)
    assert len(refusals("restart_identity_not_checked")) == 1
    assert not RestartRequest.objects.exists()


def test_one_request_at_a_time_per_account_R_BOT2(taken, now):
    ask(taken.pk, now)
    with pytest.raises(RestartAlreadyPending):
        ask(taken.pk, now, staff=SUPERVISOR_B)
    assert [r.account_id for r in refusals("restart_already_pending")] == [taken.pk]
    requested = AuditEvent.objects.get(event="support_restart_requested")
    assert requested.details == {
        "staff": "superviseur.a",
        "reason": REASON,
        "document": "carte_identite",
        "request": str(RestartRequest.objects.get().pk),
    }


def test_the_requester_cannot_approve_their_own_request_whatever_the_case_of_the_name_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    for me in (SUPERVISOR_A, Staff("SUPERVISEUR.A", Role.SUPERVISOR, CLIENT)):
        with pytest.raises(OwnRestartRequest):
            restart_approve(request_id=made.pk, account_id=taken.pk, staff=me, now=now)
    assert len(refusals("restart_own_request")) == 2
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE
    assert not OutboundEmail.objects.filter(template="enrollment_restarted").exists()


def test_the_database_itself_refuses_an_approval_by_the_requester_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    with pytest.raises(IntegrityError), transaction.atomic():
        RestartRequest.objects.filter(pk=made.pk).update(status=RestartStatus.APPROVED, decided_by="superviseur.a")


def test_the_approval_takes_everything_back_in_one_go_R_BOT2(taken, now, traveller):
    made = ask(taken.pk, now)
    traveller.shift(timedelta(hours=48) - timedelta(seconds=1))  # the last second of the request's life
    later = now + timedelta(hours=48) - timedelta(seconds=1)
    app = session_open(
        account_id=taken.pk, device_name="Pixel", epoch=taken.session_epoch, restricted_until=None, now=later
    )
    web = HttpClient()
    web.post(reverse("web:sign_in"), {"nir": NIR_TYPED, "code": PERSONAL_CODE})
    assert web.get(reverse("web:account")).status_code == 200
    done = restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=later)

    account = Account.objects.get(pk=taken.pk)
    assert (account.state, account.password_hash, account.code_email, account.mobile) == ("provisional", "", "", "")
    assert not EmailAddress.objects.filter(account=account).exists()
    assert not EmailLink.objects.filter(account=account).exists()
    assert not ProvisionalCode.objects.filter(account=account, used_at=None, voided_at=None).exists()
    assert web.get(reverse("web:account"))["Location"] == reverse("web:sign_in")  # the web session ended
    assert bearer_of(value=app.access_token, now=later) is None  # the app's token too, within its 15 minutes
    with pytest.raises(TokenRefused):
        session_refresh(refresh_token=app.refresh_token or "", client=CLIENT, now=later)
    assert done.app_sessions_ended == 1
    # The ledger keeps every decision; none given by whoever created the account is still in force (R-CT5).
    assert consents.current(account) == {"email": False, "mobile_call": False, "mobile_sms": False}
    assert ConsentRecord.objects.filter(account=account, source="inscription").count() == 3
    assert ConsentRecord.objects.filter(account=account, source="reprise_guichet").count() == 2


def test_the_previous_address_is_told_without_any_secret_R_BOT2(taken, now):
    restart_approve(request_id=ask(taken.pk, now).pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    notice = OutboundEmail.objects.get(template="enrollment_restarted")
    assert notice.to_address == "pirate@example.net"
    assert "à la demande de votre caisse" in notice.subject
    assert "Si vous ne vous y attendiez pas" in notice.body_text
    body = notice.body_text + notice.body_html
    assert "2840588321025" not in body
    assert "321 025" not in body
    assert "/email/" not in body
    assert "pirate@" not in body
    assert (notice.shown_text, notice.shown_html) == (notice.body_text, notice.body_html)  # nothing to mask
    approved = AuditEvent.objects.get(event="support_restart_approved")
    assert approved.details["told"] == "p••••e@example.net"
    assert (approved.details["staff"], approved.details["requested_by"]) == ("superviseur.b", "superviseur.a")


def test_after_the_restart_the_person_starts_again_at_the_identity_step_and_owns_the_account_R_BOT2(taken, now):
    with pytest.raises(AccountAlreadyExists, match="contactez votre caisse"):
        identity_step(now, email="camille.durand@example.fr")
    restart_approve(request_id=ask(taken.pk, now).pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    with pytest.raises(SignInRejected):  # the old personal code is gone
        sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    codes_before = OutboundEmail.objects.filter(template="provisional_code").count()
    code_forgot(nir=NIR, birth_date=date(1984, 5, 3), captcha=solved_captcha(now), client=CLIENT, now=now)
    assert OutboundEmail.objects.filter(template="provisional_code").count() == codes_before  # nowhere to send it

    identity_step(now, email="camille.durand@example.fr")
    code = clear_code_of(OutboundEmail.objects.filter(template="provisional_code").latest("id").body_text)
    signed = sign_in(nir=NIR, secret=code, client=CLIENT, now=now)
    assert signed.restricted_until is not None
    password_choose(
        account_id=taken.pk, password="Nouveau-Code-2026", confirmation="Nouveau-Code-2026", client=CLIENT, now=now
    )
    contact_submit(account_id=taken.pk, details=factories.details("camille.durand@example.fr"), client=CLIENT, now=now)
    email_confirm(token=factories.last_link_token("camille.durand@example.fr"), client=CLIENT, now=now)

    account = Account.objects.get(pk=taken.pk)
    assert account.state == AccountState.ACTIVE
    assert [e.address for e in EmailAddress.objects.filter(account=account)] == ["camille.durand@example.fr"]
    assert sign_in(nir=NIR, secret="Nouveau-Code-2026", client=CLIENT, now=now).account_id == taken.pk
    to_pirate = OutboundEmail.objects.filter(to_address="pirate@example.net").order_by("id")
    assert [e.template for e in to_pirate] == ["email_confirmation", "enrollment_restarted"]  # and nothing since


def test_before_any_confirmed_address_the_address_of_the_provisional_code_is_told_R_BOT2(code_sent, now):
    account = factories.with_link_sent(code_sent, now, email="autre@example.net").account
    restart_approve(request_id=ask(account.pk, now).pk, account_id=account.pk, staff=SUPERVISOR_B, now=now)
    assert OutboundEmail.objects.get(template="enrollment_restarted").to_address == "camille@example.fr"


def test_a_replayed_or_late_approval_changes_nothing_and_is_audited_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    identity_step(now + timedelta(minutes=5), email="camille.new@example.fr")
    for who in (SUPERVISOR_B, Staff("superviseur.c", Role.SUPERVISOR, CLIENT)):
        with pytest.raises(RestartAlreadyDecided):
            restart_approve(request_id=made.pk, account_id=taken.pk, staff=who, now=now + timedelta(minutes=6))
    assert len(refusals("restart_already_decided")) == 2
    assert OutboundEmail.objects.filter(template="enrollment_restarted").count() == 1
    assert Account.objects.get(pk=taken.pk).code_email == "camille.new@example.fr"  # the new start is untouched


def test_a_request_expires_after_48_hours_and_its_expiry_is_audited_once_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    at_48_hours = now + timedelta(hours=48)
    with pytest.raises(RestartExpired):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=at_48_hours)
    assert restart_requests_expire(now=at_48_hours + timedelta(minutes=1)) == 0  # already written, once
    assert AuditEvent.objects.filter(event="support_restart_expired").count() == 1
    assert len(refusals("restart_expired")) == 1
    with pytest.raises(RestartExpired):  # an expired request stays expired
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=at_48_hours)
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE
    assert ask(taken.pk, at_48_hours, staff=SUPERVISOR_B).status == RestartStatus.PENDING  # a new one may be made


def test_the_worker_expires_requests_nobody_decided_R_BOT2(taken, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, restart_request_lifetime=timedelta(hours=2))
    ask(taken.pk, now)
    assert restart_requests_expire(now=now + timedelta(hours=1, minutes=59)) == 0
    assert restarts.restart_pending_of(account_id=taken.pk, now=now + timedelta(hours=1)) is not None
    assert restarts.restart_pending_of(account_id=taken.pk, now=now + timedelta(hours=2)) is None
    assert restart_requests_expire(now=now + timedelta(hours=2)) == 1
    expired = AuditEvent.objects.get(event="support_restart_expired")
    assert (expired.account_id, expired.details["requested_by"]) == (taken.pk, "superviseur.a")


def test_a_rejection_needs_a_reason_and_ends_the_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    with pytest.raises(RestartReasonTooShort):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason="non", now=now)
    restart_reject(
        request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason="pièce d'identité non présentée", now=now
    )
    with pytest.raises(RestartAlreadyDecided):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=Staff("c", Role.SUPERVISOR, CLIENT), now=now)
    rejected = AuditEvent.objects.get(event="support_restart_rejected")
    assert rejected.details["reason"] == "pièce d'identité non présentée"
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE


def test_the_requester_may_withdraw_their_own_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    restart_reject(
        request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_A, reason="demande faite par erreur ici", now=now
    )
    assert RestartRequest.objects.get().status == RestartStatus.REJECTED


def test_a_request_is_decided_only_through_its_own_account_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    for request_id, account_id in ((made.pk, taken.pk + 1), (made.pk + 1, taken.pk), (-1, taken.pk)):
        with pytest.raises(RestartUnknown):
            restart_approve(request_id=request_id, account_id=account_id, staff=SUPERVISOR_B, now=now)
    assert len(refusals("restart_unknown")) == 3
    assert RestartRequest.objects.get().status == RestartStatus.PENDING


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_at_the_same_moment_restart_the_account_once_R_BOT2(taken, now):
    """The conditional UPDATE of the request decides: one approval wins, the other is refused and audited."""
    made = ask(taken.pk, now)
    start, outcomes = threading.Barrier(2), []

    def approve(staff: Staff) -> None:
        try:
            start.wait()
            restart_approve(request_id=made.pk, account_id=taken.pk, staff=staff, now=now)
            outcomes.append("approved")
        except RestartAlreadyDecided:
            outcomes.append("refused")
        finally:
            connection.close()

    both = [threading.Thread(target=approve, args=(s,)) for s in (SUPERVISOR_B, Staff("c", Role.SUPERVISOR, CLIENT))]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert OutboundEmail.objects.filter(template="enrollment_restarted").count() == 1
    assert AuditEvent.objects.filter(event="support_restart_approved").count() == 1
    assert len(refusals("restart_already_decided")) == 1


def test_decisions_count_against_the_staff_member_s_hourly_actions_R_BOT2_R_SUP2(taken, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_actions_per_hour=1)
    made = ask(taken.pk, now)
    with pytest.raises(RestartReasonTooShort):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason="non", now=now)
    with pytest.raises(TooManyAttempts):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE


REFUSAL = "pièce d'identité non présentée"


def test_a_rejection_is_audited_with_the_account_both_supervisors_the_reason_and_the_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason=REFUSAL, now=now)
    rejected = AuditEvent.objects.get(event="support_restart_rejected")
    assert (rejected.account_id, rejected.client_address, rejected.details) == (
        taken.pk,
        CLIENT.address,
        {"staff": "superviseur.b", "requested_by": "superviseur.a", "reason": REFUSAL, "request": str(made.pk)},
    )
    made.refresh_from_db()
    assert (made.decided_by, made.decided_at, made.decision_reason) == ("superviseur.b", now, REFUSAL)


def test_a_rejection_without_reason_is_refused_for_that_account_and_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    with pytest.raises(RestartReasonTooShort):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason="non", now=now)
    refused = AuditEvent.objects.get(event="support_restart_refused")
    assert (refused.account_id, refused.details["request"]) == (taken.pk, str(made.pk))


def test_a_rejection_losing_to_a_decision_made_meanwhile_is_refused_and_audited_R_BOT2(taken, now, monkeypatch):
    from moncompte.support import restarts

    made = ask(taken.pk, now)

    def decided_meanwhile(*args, **kwargs):
        raise RestartAlreadyDecided()

    monkeypatch.setattr(restarts, "_decide", decided_meanwhile)
    with pytest.raises(RestartAlreadyDecided):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason=REFUSAL, now=now)
    refused = AuditEvent.objects.get(event="support_restart_refused")
    assert (refused.account_id, refused.client_address, refused.details) == (
        taken.pk,
        CLIENT.address,
        {"staff": "superviseur.b", "why": RestartAlreadyDecided.code, "request": str(made.pk)},
    )


def test_the_desk_lists_only_live_pending_requests_oldest_first_R_BOT2(taken, now):
    from moncompte.support.restarts import restarts_pending

    def request(nir: str, *, at, status=RestartStatus.PENDING, hours=48) -> RestartRequest:
        from moncompte.registry.models import Beneficiary

        person = Beneficiary.objects.create(
            nir=nir, last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
        )
        account = Account.objects.create(beneficiary=person, created_at=at, code_email="v@example.fr")
        return RestartRequest.objects.create(
            account=account, status=status, reason=REASON, identity_document="carte_identite",
            requested_by="superviseur.a", requested_at=at, expires_at=at + timedelta(hours=hours),
        )  # fmt: skip

    newer = request("1850575056011", at=now - timedelta(hours=1))
    older = request("1850575056012", at=now - timedelta(hours=2))
    request("1850575056013", at=now - timedelta(hours=3), status=RestartStatus.REJECTED)
    request("1850575056014", at=now - timedelta(hours=3), hours=3)  # its 48 hours, here 3, are over
    assert restarts_pending(now=now) == [older, newer]


def test_an_approval_is_audited_with_everything_it_did_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    approved = AuditEvent.objects.get(event="support_restart_approved")
    assert (approved.account_id, approved.client_address, approved.details) == (
        taken.pk,
        CLIENT.address,
        {
            "staff": "superviseur.b",
            "requested_by": "superviseur.a",
            "reason": REASON,
            "request": str(made.pk),
            "app_sessions_ended": "0",
            "consents_withdrawn": "2",
            "told": "p••••e@example.net",
        },
    )


def test_a_decision_on_an_unknown_or_expired_request_is_refused_for_that_account_and_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    with pytest.raises(RestartUnknown):
        restart_reject(request_id=made.pk + 1, account_id=taken.pk, staff=SUPERVISOR_B, reason=REFUSAL, now=now)
    later = now + timedelta(hours=49)
    with pytest.raises(RestartExpired):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason=REFUSAL, now=later)
    refused = AuditEvent.objects.filter(event="support_restart_refused").order_by("id")
    assert [(r.account_id, r.details["why"], r.details["request"]) for r in refused] == [
        (taken.pk, RestartUnknown.code, str(made.pk + 1)),
        (taken.pk, RestartExpired.code, str(made.pk)),
    ]


def test_a_request_refused_before_it_exists_is_audited_without_a_request_number_R_BOT2(taken, now):
    with pytest.raises(RestartReasonTooShort):
        ask(taken.pk, now, reason="trop court")
    refused = AuditEvent.objects.get(event="support_restart_refused")
    assert (refused.account_id, refused.details) == (
        taken.pk,
        {"staff": "superviseur.a", "why": "restart_reason_too_short"},
    )


def test_an_approval_writes_who_decided_when_and_no_rejection_reason_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    later = now + timedelta(minutes=3)
    restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=later)
    decided = RestartRequest.objects.get(pk=made.pk)
    assert (decided.status, decided.decided_by, decided.decided_at, decided.decision_reason) == (
        RestartStatus.APPROVED,
        "superviseur.b",
        later,
        "",
    )


def another_account(now, nir: str = "1850575056048") -> Account:
    from moncompte.registry.models import Beneficiary

    person = Beneficiary.objects.create(
        nir=nir, last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
    )
    return Account.objects.create(beneficiary=person, created_at=now, code_email="v@example.fr")


def test_approving_one_request_leaves_another_account_s_request_pending_R_BOT2(taken, now):
    other = another_account(now)
    waiting = ask(other.pk, now)
    made = ask(taken.pk, now)
    restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    assert RestartRequest.objects.get(pk=waiting.pk).status == RestartStatus.PENDING


def test_of_two_decisions_read_at_the_same_moment_the_second_changes_nothing_R_BOT2(taken, now):
    """What both supervisors' processes read before either wrote: the second's conditional UPDATE finds the
    request decided (the threads of the PostgreSQL test above do the same with real concurrency)."""
    made = ask(taken.pk, now)
    read_by_both = RestartRequest.objects.get(pk=made.pk)
    restarts._decide(read_by_both, SUPERVISOR_B, status=RestartStatus.APPROVED, now=now)
    with pytest.raises(RestartAlreadyDecided):
        restarts._decide(read_by_both, SUPERVISOR_A, status=RestartStatus.REJECTED, now=now, why=REFUSAL)
    decided = RestartRequest.objects.get(pk=made.pk)
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        RestartStatus.APPROVED,
        "superviseur.b",
        "",
    )


def test_requests_of_the_same_second_are_listed_in_the_order_they_were_made_R_BOT2(taken, now, settings):
    """The second one made after the lifetime of a request was shortened (a deployment in between): the index
    of pending requests by expiry would list it first."""
    from moncompte.support.restarts import restarts_pending

    other = another_account(now)
    first = ask(taken.pk, now)
    settings.MONCOMPTE = replace(settings.MONCOMPTE, restart_request_lifetime=timedelta(hours=10))
    second = ask(other.pk, now)
    assert restarts_pending(now=now) == [first, second]


def test_each_refused_decision_is_audited_with_its_account_and_request_R_BOT2(taken, now):
    made = ask(taken.pk, now)
    with pytest.raises(SupervisorOnly):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=AGENT, now=now)
    with pytest.raises(OwnRestartRequest):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_A, now=now)
    restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    with pytest.raises(RestartAlreadyDecided):
        restart_reject(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason=REFUSAL, now=now)
    refused = AuditEvent.objects.filter(event="support_restart_refused").order_by("id")
    assert [(r.account_id, r.details["why"], r.details["request"]) for r in refused] == [
        (taken.pk, SupervisorOnly.code, str(made.pk)),
        (taken.pk, OwnRestartRequest.code, str(made.pk)),
        (taken.pk, RestartAlreadyDecided.code, str(made.pk)),
    ]


def test_deciding_an_expired_request_writes_its_own_expiry_only_R_BOT2(taken, now):
    """The other accounts' requests past their time are the periodic job's (one desk click, one account)."""
    other = ask(another_account(now).pk, now)
    made = ask(taken.pk, now)
    later = now + timedelta(hours=49)
    with pytest.raises(RestartExpired):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=later)
    assert RestartRequest.objects.get(pk=made.pk).status == RestartStatus.EXPIRED
    assert RestartRequest.objects.get(pk=other.pk).status == RestartStatus.PENDING
    assert restart_requests_expire(now=later) == 1


def test_an_approval_losing_to_a_rejection_made_meanwhile_restarts_nothing_and_is_audited_R_BOT2(
    taken, now, monkeypatch
):
    """The rejection's UPDATE runs between this approval's checks and its own, which then finds the request decided
    (both real; here in the approval's transaction, so the test's rejection is undone with it)."""
    made = ask(taken.pk, now)
    decide = restarts._decide

    def rejected_first(found, staff, **decision):
        decide(found, Staff("superviseur.c", Role.SUPERVISOR, CLIENT), status=RestartStatus.REJECTED, now=now)
        decide(found, staff, **decision)

    monkeypatch.setattr(restarts, "_decide", rejected_first)
    with pytest.raises(RestartAlreadyDecided):
        restart_approve(request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    refused = AuditEvent.objects.get(event="support_restart_refused")
    assert (refused.at, refused.account_id, refused.client_address, refused.details) == (
        now,
        taken.pk,
        CLIENT.address,
        {"staff": "superviseur.b", "why": RestartAlreadyDecided.code, "request": str(made.pk)},
    )
    assert Account.objects.get(pk=taken.pk).state == AccountState.ACTIVE


def test_a_second_restart_with_no_address_given_since_tells_nobody_and_says_so_R_BOT2(taken, now):
    restart_approve(request_id=ask(taken.pk, now).pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now)
    again = ask(taken.pk, now + timedelta(days=1))
    restart_approve(request_id=again.pk, account_id=taken.pk, staff=SUPERVISOR_B, now=now + timedelta(days=1))
    approvals = AuditEvent.objects.filter(event="support_restart_approved").order_by("id")
    assert [a.details["told"] for a in approvals] == ["p••••e@example.net", "aucune adresse"]
    assert OutboundEmail.objects.filter(template="enrollment_restarted").count() == 1


def test_the_job_s_batch_of_500_holds_only_pending_requests_however_many_decided_ones_are_old_R_BOT2(taken, now):
    decided = [
        RestartRequest(
            account=taken, status=RestartStatus.REJECTED, reason=REASON, identity_document="carte_identite",
            requested_by="superviseur.a", requested_at=now, expires_at=now + timedelta(hours=48),
        )
        for _ in range(500)
    ]  # fmt: skip
    RestartRequest.objects.bulk_create(decided)
    ask(taken.pk, now)
    assert restart_requests_expire(now=now + timedelta(days=3)) == 1


def test_the_job_expires_each_stale_request_once_dated_and_audited_with_its_request_R_BOT2(taken, now):
    first = ask(taken.pk, now)
    second = ask(another_account(now).pk, now + timedelta(hours=1), staff=SUPERVISOR_B)
    live = ask(another_account(now, nir="1850575056011").pk, now + timedelta(hours=30))
    later = now + timedelta(hours=50)
    assert restart_requests_expire(now=later) == 2
    assert [(r.pk, r.status, r.decided_at) for r in RestartRequest.objects.order_by("pk")] == [
        (first.pk, RestartStatus.EXPIRED, later),
        (second.pk, RestartStatus.EXPIRED, later),
        (live.pk, RestartStatus.PENDING, None),
    ]
    expired = AuditEvent.objects.filter(event="support_restart_expired").order_by("id")
    assert [(e.at, e.account_id, e.details) for e in expired] == [
        (later, taken.pk, {"requested_by": "superviseur.a", "request": str(first.pk)}),
        (later, second.account_id, {"requested_by": "superviseur.b", "request": str(second.pk)}),
    ]


def test_a_new_request_expires_its_own_account_s_stale_one_only_R_BOT2(taken, now):
    other = ask(another_account(now).pk, now)
    ask(taken.pk, now)
    later = now + timedelta(hours=49)
    renewed = ask(taken.pk, later, staff=SUPERVISOR_B)  # its stale one no longer blocks it
    assert renewed.status == RestartStatus.PENDING
    assert RestartRequest.objects.get(pk=other.pk).status == RestartStatus.PENDING  # the job's


def test_a_request_refused_for_the_identity_check_is_audited_for_its_account_R_BOT2(taken, now):
    with pytest.raises(IdentityNotChecked):
        ask(taken.pk, now, checked=False)
    refused = AuditEvent.objects.get(event="support_restart_refused")
    assert (refused.account_id, refused.details["why"]) == (taken.pk, IdentityNotChecked.code)


def test_a_request_keeps_the_document_shown_and_is_audited_for_its_account_from_the_desk_R_BOT2(taken, now):
    made = ask(taken.pk, now, document="passeport")
    assert RestartRequest.objects.get(pk=made.pk).identity_document == "passeport"
    requested = AuditEvent.objects.get(event="support_restart_requested")
    assert (requested.account_id, requested.client_address, requested.details["document"]) == (
        taken.pk,
        CLIENT.address,
        "passeport",
    )


def test_the_job_expires_500_requests_a_round_and_the_rest_at_the_next_R_BOT2(db, now):
    from moncompte.registry.models import Beneficiary

    people = Beneficiary.objects.bulk_create(
        Beneficiary(
            nir=f"1850575{n:06d}", last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
        )
        for n in range(501)
    )
    accounts = Account.objects.bulk_create(
        Account(beneficiary=p, created_at=now, code_email="v@example.fr") for p in people
    )
    RestartRequest.objects.bulk_create(
        RestartRequest(
            account=account, reason=REASON, identity_document="carte_identite", requested_by="superviseur.a",
            requested_at=now, expires_at=now + timedelta(hours=48),
        )
        for account in accounts
    )  # fmt: skip
    later = now + timedelta(days=3)
    assert restart_requests_expire(now=later) == 500
    assert restart_requests_expire(now=later) == 1


def test_a_request_is_pending_for_its_own_account_only_and_until_it_is_decided_R_BOT2(taken, now):
    from tests.support.test_actions import other_pending_account

    other = other_pending_account(now)
    made = ask(taken.pk, now)
    assert restarts.restart_pending_of(account_id=other.pk, now=now) is None
    assert restarts.restart_pending_of(account_id=taken.pk, now=now) == made
    restart_reject(
        request_id=made.pk, account_id=taken.pk, staff=SUPERVISOR_B, reason="pièce d'identité non présentée", now=now
    )
    assert restarts.restart_pending_of(account_id=taken.pk, now=now + timedelta(minutes=1)) is None


def test_a_request_decided_between_the_job_s_reading_and_its_writing_keeps_its_decision_R_BOT2(taken, now, monkeypatch):
    """Another supervisor's rejection lands after the worker read the requests past their time and before it
    writes their expiry: the rejection stands, and no expiry is written or audited."""
    made = ask(taken.pk, now)
    later = now + timedelta(hours=49)
    atomic = transaction.atomic

    class RejectedMeanwhile:
        @staticmethod
        def atomic(*args, **kwargs):
            RestartRequest.objects.filter(pk=made.pk).update(status=RestartStatus.REJECTED, decided_at=later)
            return atomic(*args, **kwargs)

    monkeypatch.setattr(restarts, "transaction", RejectedMeanwhile)
    assert restart_requests_expire(now=later) == 0
    assert RestartRequest.objects.get(pk=made.pk).status == RestartStatus.REJECTED
    assert not AuditEvent.objects.filter(event="support_restart_expired").exists()
