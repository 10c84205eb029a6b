"""R-SUP1, R-SUP2: what an agent does for the person on the phone, and what only a supervisor may do. Each action
needs a typed reason, is rate-limited per staff member and written to the audit log with both."""

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from moncompte.accounts.emails import email_checked
from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.states import AccountEvent, ConcurrentChange, TransitionNotAllowed
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.audit.models import AuditEvent
from moncompte.core import throttle, tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.duration_phrases import wait_phrase
from moncompte.core.errors import DomainError, TooManyAttempts
from moncompte.core.service_terms import service_terms
from moncompte.enrollment import limits
from moncompte.enrollment.email_links import email_replace, link_resend
from moncompte.enrollment.errors import LinkResendImpossible, LinkResendLimited
from moncompte.selfservice.limits import sign_in_attempts
from moncompte.support.roles import Role, StaffCreated, staff_create


def actions_per_staff() -> throttle.Limit:
    return throttle.Limit("support_action", conf().support_actions_per_hour, timedelta(hours=1))


def reason_min_length() -> int:
    return conf().support_reason_min_length


class ReasonMissing(DomainError):
    code = "reason_missing"
    field = "reason"

    def __init__(self) -> None:
        least = reason_min_length()
        super().__init__(f"Indiquez le motif de l'action (au moins {least} caractères) : il est écrit au journal.")


class SupervisorOnly(DomainError):
    code = "supervisor_only"
    message = "Cette action est réservée aux superviseurs."


class DeskActionsLimited(TooManyAttempts):
    """R-SUP2: the staff member's own limit of actions, said to the staff member (same code as any limit)."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(retry_after)
        self.message = (
            f"Refusé : vous avez atteint la limite du guichet ({conf().support_actions_per_hour} actions par heure "
            f"et par membre du support). Vous pourrez agir de nouveau dans {wait_phrase(retry_after)}."
        )


def actions_counted(staff: "Staff", *, now: datetime) -> None:
    """R-SUP2: one more action of this staff member, refused (DeskActionsLimited) past the limit."""
    try:
        throttle.counted(actions_per_staff(), key=staff.username, now=now)
    except TooManyAttempts as limited:
        raise DeskActionsLimited(limited.retry_after) from limited


class DeskRefusal(DomainError):
    """A refusal of the domain said to the staff member, not to the person (issue 23, point 10): same code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def for_staff(refused: DomainError) -> DomainError:
    """The domain's refusals that speak to the person (« Connectez-vous… », « Vous avez déjà demandé… »),
    reworded for the staff member on the phone with her; the desk's own refusals are said as they are."""
    terms = service_terms()
    if isinstance(refused, LinkResendImpossible):
        return DeskRefusal(
            refused.code,
            "Renvoi impossible : aucune adresse de ce compte n'attend de confirmation (l'adresse est déjà "
            f"confirmée, ou elle a été oubliée après {terms.forget_after} ou effacée). Pour une nouvelle adresse, "
            "la personne se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié "
            "? ») et la saisit : un lien y part.",
        )
    if isinstance(refused, LinkResendLimited):
        why = (
            "plusieurs liens sont déjà partis aujourd'hui pour ce compte"
            if refused.daily
            else "le précédent est parti il y a moins d'une minute"
        )
        return DeskRefusal(
            refused.code,
            f"Aucun lien n'est parti : {why} (limite des renvois). Un nouveau pourra partir dans "
            f"{wait_phrase(refused.retry_after)} ; d'ici là, faites chercher le dernier courriel, courriels "
            "indésirables compris.",
        )
    if isinstance(refused, (TransitionNotAllowed, ConcurrentChange)):
        return DeskRefusal(
            refused.code,
            "Rien n'a été fait : le compte vient de changer (la personne l'utilise peut-être en ce moment). "
            "Rechargez la fiche pour voir où il en est.",
        )
    return refused


@dataclass(frozen=True)
class Staff:
    username: str
    role: Role
    client: Client


def reason_clean(raw: str) -> str:
    """A typed reason as the audit log keeps it: spaces squeezed, invisible and control characters dropped (a
    NUL is refused by PostgreSQL's text and JSON columns: it must never reach them), 500 characters at most."""
    visible = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in raw)
    return " ".join(visible.split())[:500]


def reason_checked(raw: str) -> str:
    """R-SUP2: the reason of a search or an action, cleaned, or ReasonMissing under SUPPORT_REASON_MIN_LENGTH
    characters (what is left once cleaned counts: five spaces are no reason)."""
    reason = reason_clean(raw)
    if len(reason) < reason_min_length():
        raise ReasonMissing()
    return reason


def _checked(staff: Staff, reason: str, *, now: datetime, supervisor: bool = False) -> str:
    if supervisor and staff.role is not Role.SUPERVISOR:
        raise SupervisorOnly()
    reason = reason_checked(reason)
    actions_counted(staff, now=now)
    return reason


def _audit(event: str, staff: Staff, reason: str, *, account_id: int | None, now: datetime, **details: str) -> None:
    audit.record(
        event=event, now=now, account_id=account_id, client=staff.client, staff=staff.username, reason=reason, **details
    )


def _refusals_audited[**P, T](action: Callable[P, T]) -> Callable[P, T]:
    """R-SUP7: an action of the desk that is refused (agent, reason missing, limit, the domain's refusal) is
    written to the audit log: who, which action, on which account, the reason typed and why it was refused."""

    @functools.wraps(action)
    def audited(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return action(*args, **kwargs)
        except DomainError as refused:
            if refused.code != PersonalCodeAddress.code:  # written by address_change_for itself (R-BOT2)
                _refusal_audit(action.__name__, refused, kwargs)
            said = for_staff(refused)
            if said is refused:
                raise
            raise said from refused

    return audited


def _refusal_audit(action: str, refused: DomainError, called: dict[str, Any]) -> None:
    agent = {"agent": reason_clean(called["username"])[:150]} if "username" in called else {}
    refusal_record(
        action=action,
        why=refused.code,
        staff=called["staff"],
        now=called["now"],
        account_id=called.get("account_id"),
        reason=called.get("reason", ""),
        **agent,
    )


def refusal_record(
    *, action: str, why: str, staff: Staff, now: datetime, account_id: int | None, reason: str, **details: str
) -> None:
    """R-SUP7: one refused action of the desk in the audit log (the reason as typed, cleaned, even too short)."""
    typed = reason_clean(reason)
    _audit("support_action_refused", staff, typed, account_id=account_id, now=now, action=action, why=why, **details)


@_refusals_audited
def link_resend_for(*, account_id: int, staff: Staff, reason: str, now: datetime) -> str:
    reason = _checked(staff, reason, now=now)
    masked = link_resend(account_id=account_id, client=staff.client, now=now)
    _audit("support_link_resent", staff, reason, account_id=account_id, now=now, email=masked)
    return masked


class PersonalCodeAddress(DomainError):
    code = "personal_code_address"
    message = (
        "Refusé : cette personne a déjà choisi son code personnel, le support ne change donc pas son adresse. "
        "Elle se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») et "
        "saisit elle-même la nouvelle adresse : un lien y part. Si le compte a été créé par quelqu'un d'autre, "
        "il faut une reprise de la création, après vérification de son identité en sa présence."
    )


@_refusals_audited
def address_change_for(*, account_id: int, address: str, staff: Staff, reason: str, now: datetime) -> str:
    """The person gives another address on the phone, before any personal code exists. Never once it exists
    (R-BOT2): whoever reads the new address would confirm it, then take the account through « Code oublié ? »;
    the person changes it herself, signed in with her code. Refusals are audited, forged requests included."""
    if Account.objects.filter(pk=account_id).exclude(password_hash="").exists():
        typed = reason_clean(reason)
        _audit("support_address_refused", staff, typed, account_id=account_id, now=now, why=PersonalCodeAddress.code)
        raise PersonalCodeAddress()
    reason = _checked(staff, reason, now=now)
    address = email_checked(address)  # R-CT1, as the person's own forms and the API check it
    masked = email_replace(account_id=account_id, address=address, client=staff.client, now=now)
    _audit("support_address_changed", staff, reason, account_id=account_id, now=now, email=masked)
    return masked


@_refusals_audited
def throttles_lift(*, account_id: int, staff: Staff, reason: str, now: datetime) -> int:
    """The person's identity, code and sign-in limits start again from zero, for every address the person
    used in the last day (the limits count per person and address, R-LIM2). Returns how many addresses."""
    reason = _checked(staff, reason, now=now, supervisor=True)
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    nir = account.beneficiary.nir
    used = AuditEvent.objects.filter(Q(account_id=account_id) | Q(nir_pseudonym=tokens.pseudonym(nir)))
    addresses = set(used.filter(at__gte=now - timedelta(days=1)).values_list("client_address", flat=True)) - {""}
    mailboxes = {account.code_email, *account.email_addresses.values_list("address", flat=True)} - {""}
    for mailbox in mailboxes:  # R-LIM8: the codes sent to each of the person's addresses
        throttle.clear(limits.codes_sent_per_address(), key=limits.code_address_key(nir=nir, to=mailbox))
    per_address = (limits.identity_failures_per_nir(), limits.codes_sent_per_nir(), sign_in_attempts())
    for address in addresses:
        for limit in per_address:
            throttle.clear(limit, key=f"{nir}|{address}")
    _audit("support_throttles_lifted", staff, reason, account_id=account_id, now=now, addresses=str(len(addresses)))
    return len(addresses)


@_refusals_audited
def links_void(*, account_id: int, staff: Staff, reason: str, now: datetime) -> int:
    """Every unused link of the person stops working (a link seen by someone else, say)."""
    reason = _checked(staff, reason, now=now, supervisor=True)
    voided, _ = EmailLink.objects.filter(account_id=account_id, used_at=None).delete()
    _audit("support_links_voided", staff, reason, account_id=account_id, now=now, count=str(voided))
    return voided


@_refusals_audited
def address_erase(*, account_id: int, staff: Staff, reason: str, now: datetime) -> None:
    """The unconfirmed address is erased with its links, as the 21-day forgetting would (R-EM7)."""
    reason = _checked(staff, reason, now=now, supervisor=True)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        EmailLink.objects.filter(account=account, email__confirmed_at=None).delete()
        erased, _ = EmailAddress.objects.filter(account=account, confirmed_at=None).delete()
        if erased:
            account_advance(account, event=AccountEvent.ADDRESS_FORGOTTEN, now=now)
        _audit("support_address_erased", staff, reason, account_id=account_id, now=now)


class StaffRefused(DomainError):
    code = "staff_refused"


@_refusals_audited
def agent_create(*, username: str, password: str, staff: Staff, reason: str, now: datetime) -> StaffCreated:
    """A supervisor creates an agent, with the agent's second factor (R-SUP1), a reason and a limit (R-SUP2)."""
    reason = _checked(staff, reason, now=now, supervisor=True)
    try:
        created = staff_create(username=username, password=password, role=Role.AGENT)
    except ValidationError as weak:
        raise StaffRefused("Création refusée : " + " ".join(weak.messages)) from weak
    except IntegrityError as taken:
        raise StaffRefused("Ce nom d'utilisateur est déjà pris.") from taken
    audit.record(
        event="support_agent_created", now=now, client=staff.client, staff=staff.username, reason=reason, agent=username
    )
    return created
