"""What the pages of an account show, on the journey and after it, read in one call each (services write,
selectors read)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from moncompte.accounts import emails
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.core import tokens
from moncompte.core.conf import conf
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.reports import ReportKind


@dataclass(frozen=True)
class PersonName:
    first_name: str
    last_name: str


def person_name_of(*, account_id: int) -> PersonName:
    first, last = Account.objects.values_list("beneficiary__first_name", "beneficiary__last_name").get(pk=account_id)
    return PersonName(first_name=first, last_name=last)


@dataclass(frozen=True)
class PersonalCodeStep:
    """What the page for choosing the personal code says (one read)."""

    person: PersonName
    replacing: bool  # the account has a personal code already ("Code oublié ?"): a new one replaces it


# Issue 22: read by each page of the personal code step; through the ORM it was 0.3 % of the web processes' Python
# time under SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench --redis`), 0.4–0.6 ms of
# Python per ORM query against ~0.07 ms for the same SQL on a cursor.
_PERSONAL_CODE_STEP = """
    SELECT b.first_name, b.last_name, a.password_hash
    FROM "accounts_account" a JOIN "registry_beneficiary" b ON b.id = a.beneficiary_id
    WHERE a.id = %s
"""


def personal_code_step_of(*, account_id: int) -> PersonalCodeStep:
    with connection.cursor() as cursor:
        cursor.execute(_PERSONAL_CODE_STEP, [account_id])
        row = cursor.fetchone()
    if row is None:
        raise Account.DoesNotExist(f"no account {account_id}")
    first, last, digest = row
    return PersonalCodeStep(person=PersonName(first_name=first, last_name=last), replacing=bool(digest))


FORGETTING_EVENTS = ("email_forgotten", "support_address_erased")  # enrollment/email_links.py, support/actions.py


@dataclass(frozen=True)
class ContactStep:
    """What the contact step's page says before anything is typed (one read)."""

    code_email: str  # the address the provisional code went to: it has received mail already, offered again
    forgotten: bool  # an address was given before, then forgotten (R-EM7) or erased: the page says why


# Issue 22: read by each page of the contact step; through the ORM, with its EXISTS on the security log, it was
# 0.6 % of the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil during
# `bench.journey_bench --redis`; 1.1 % in all), 0.4–0.6 ms of Python per ORM query against ~0.07 ms for the same
# SQL on a cursor. The same statement on a cursor.
_CONTACT_STEP = f"""
    SELECT a.code_email, EXISTS (
        SELECT 1 FROM "audit_auditevent" e
        WHERE e.account_id = a.id AND e.event IN ({", ".join(["%s"] * len(FORGETTING_EVENTS))})
    )
    FROM "accounts_account" a WHERE a.id = %s
"""  # noqa: S608 (placeholders only: the events are parameters)


def contact_step_of(*, account_id: int) -> ContactStep:
    with connection.cursor() as cursor:
        cursor.execute(_CONTACT_STEP, [*FORGETTING_EVENTS, account_id])
        row = cursor.fetchone()
    if row is None:
        raise Account.DoesNotExist(f"no account {account_id}")
    return ContactStep(code_email=row[0], forgotten=bool(row[1]))


def account_state_of(*, account_id: int) -> AccountState:
    """Where the account stands in the journey: the page a signed-in person belongs on follows from it."""
    return AccountState(Account.objects.values_list("state", flat=True).get(pk=account_id))


@dataclass(frozen=True)
class SessionStanding:
    state: AccountState
    epoch: int


# Issue 22: read by every page of a signed-in or restricted session before anything else (5 of the journey's 13
# requests), on a cursor: the ORM spent 0.4–0.6 ms of Python on it against 0.07 ms for the same SQL (the profile
# of the performance issue; bench/README.md, issue 22).
_STANDING = 'SELECT state, session_epoch FROM "accounts_account" WHERE id = %s'


def session_standing_of(*, account_id: int) -> SessionStanding | None:
    """The account's state and session epoch, in one read (None for an account erased meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(_STANDING, [account_id])
        row = cursor.fetchone()
    return SessionStanding(state=AccountState(row[0]), epoch=int(row[1])) if row else None


@dataclass(frozen=True)
class PendingEmail:
    """The address waiting for confirmation and its window (R-EM1, R-EM6, R-EM7)."""

    window: Window
    email_masked: str  # "" once the address is forgotten
    undeliverable: bool = False  # R-DLV2: the receiving server said the address does not exist


def pending_email_of(*, account_id: int, now: datetime) -> PendingEmail:
    pending = emails.pending_of(Account(pk=account_id), now=now)
    if pending is None:
        return PendingEmail(window=Window.FORGOTTEN, email_masked="")
    return PendingEmail(
        window=pending.window,
        email_masked=tokens.mask_email(pending.email.address),
        undeliverable=pending.email.undeliverable_at is not None,
    )


@dataclass(frozen=True)
class DeliveryFacts:
    """R-SUP5: what the service knows of the latest confirmation link, told to the person in plain words."""

    address: str  # shown in full only to the signed-in person, on request
    email_masked: str
    sent_at: datetime
    valid_until: datetime
    outcome: str  # a clause of its own: "ce courriel est en cours d'envoi", "ce courriel a été refusé par …"


def delivery_facts_of(*, account_id: int, now: datetime, opened_address: str | None = None) -> DeliveryFacts | None:
    """`opened_address`: the canonical address of a link opened without signing in. Its holder learns of the
    latest link only if it went to that same address (an old link may have reached a mistyped address)."""
    link = EmailLink.objects.filter(account_id=account_id).select_related("email").order_by("-sent_at", "-id").first()
    if link is None or (opened_address is not None and link.canonical != opened_address):
        return None
    address = link.email.address if link.email else link.canonical
    sent = (
        OutboundEmail.objects.filter(account_id=account_id, template="email_confirmation", created_at__gte=link.sent_at)
        .prefetch_related("reports")
        .order_by("created_at", "id")
        .first()
    )
    return DeliveryFacts(
        address=address,
        email_masked=tokens.mask_email(address),
        sent_at=link.sent_at,
        valid_until=link.sent_at + conf().email_link_lifetime,
        outcome=_outcome(sent),
    )


def _outcome(email: OutboundEmail | None) -> str:
    if email is None:
        return "ce courriel est en cours d'envoi"
    kinds = {report.kind for report in email.reports.all()}
    if ReportKind.HARD in kinds:
        return "ce courriel a été refusé par votre messagerie : adresse inexistante ou fermée"
    if ReportKind.REFUSED in kinds or email.status == EmailStatus.FAILED:
        return "ce courriel a été refusé par votre messagerie"
    if ReportKind.SOFT in kinds and email.status != EmailStatus.SENT:
        return "votre messagerie a retardé ce courriel, de nouveaux essais sont en cours"
    if email.status == EmailStatus.SENT and email.sent_at is not None:
        # Our relay took it: that is all we know, until the receiving server refuses it (a bounce, later).
        return f"ce courriel est parti le {_when(email.sent_at)}, et votre messagerie ne l'a pas refusé"
    return "ce courriel est en cours d'envoi"


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%d/%m/%Y} à {local.hour} h {local:%M}"
