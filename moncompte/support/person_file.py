"""R-SUP4: everything the desk shows about one person, read in one call: state and windows, identity,
addresses, the latest link, every email with its attempts and the receiving server's reports, the timeline."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.accounts import emails
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.audit.labels import details_in_words, event_label
from moncompte.audit.models import AuditEvent
from moncompte.core.conf import conf
from moncompte.messaging.selectors import BoxSummary, box_summary_of
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.support.models import RestartRequest
from moncompte.support.restarts import restart_pending_of

STATE_IN_WORDS = {
    AccountState.PROVISIONAL: "Code provisoire envoyé ; code personnel pas encore choisi",
    AccountState.CONTACT_PENDING: "Code personnel choisi ; coordonnées pas encore saisies",
    AccountState.EMAIL_PENDING: "Adresse email à confirmer par le lien",
    AccountState.ACTIVE: "Compte actif",
}
RESTARTED_IN_WORDS = "Création reprise au guichet : la personne recommence à l'étape « Mon identité »"
WINDOW_IN_WORDS = {
    Window.ACTIVE: "lien valable",
    Window.EXPIRED: "lien expiré (plus de 7 jours) : renvoi possible jusqu'au 21e jour",
    Window.FORGOTTEN: "adresse oubliée (plus de 21 jours) : une nouvelle adresse est à saisir",
}


@dataclass(frozen=True)
class LatestLink:
    sent_at: datetime
    valid_until: datetime
    forgotten_at: datetime
    window: str
    opens: int
    first_opened_at: datetime | None
    confirmed_at: datetime | None
    address: str


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the person's history, in words (no event code, R-SUP4)."""

    at: datetime
    label: str
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class PersonFile:
    account_id: int
    state: AccountState
    state_in_words: str
    first_name: str
    last_name: str
    birth_date: str
    postal_code: str
    nir: str  # as the person reads it, to check who is on the phone
    has_personal_code: bool  # R-BOT2: then the desk sets no address (only a four-eyes restart gives it back)
    restart_pending: RestartRequest | None  # R-BOT2: a restart waiting for a second supervisor
    confirmed_address: EmailAddress | None
    pending_address: EmailAddress | None
    latest_link: LatestLink | None
    # R-EM7: when the unconfirmed address was forgotten (its 21 days are over, erased yet or not), None while an
    # address awaits confirmation in its 21 days or none was ever forgotten since the last one given.
    forgotten_at: datetime | None
    resend_possible: bool  # a pending address within its 21 days: the link can go again to the same address
    links: list[EmailLink]  # newest first
    emails: list[OutboundEmail]  # newest first, with attempts and reports prefetched
    timeline: list[TimelineEntry]  # newest first
    message_box: BoxSummary  # R-MSG11: counts and the last notification, no message's content


def account_exists(*, account_id: int) -> bool:
    return Account.objects.filter(pk=account_id).exists()


def person_file_of(*, account_id: int, now: datetime) -> PersonFile:
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    person = account.beneficiary
    links = list(EmailLink.objects.filter(account=account).select_related("email").order_by("-sent_at", "-id"))
    sent = OutboundEmail.objects.filter(account_id=account_id).prefetch_related("delivery_attempts", "reports")
    pending = EmailAddress.objects.filter(account=account, confirmed_at=None).first()
    confirmed = emails.confirmed_of(account)
    forgotten_at = _forgotten_at(account_id, pending, confirmed, links, now=now)
    return PersonFile(
        account_id=account.pk,
        state=AccountState(account.state),
        state_in_words=RESTARTED_IN_WORDS if _restarted(account) else STATE_IN_WORDS[AccountState(account.state)],
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date.strftime("%d/%m/%Y"),
        postal_code=person.postal_code,
        nir=nir_rules.display(nir_rules.Nir(person.nir)),
        has_personal_code=bool(account.password_hash),
        restart_pending=restart_pending_of(account_id=account.pk, now=now),
        confirmed_address=confirmed,
        pending_address=pending,
        latest_link=_latest(links, now=now),
        forgotten_at=forgotten_at,
        resend_possible=pending is not None and forgotten_at is None,
        links=links,
        emails=list(sent.order_by("-created_at", "-id")),
        timeline=[
            TimelineEntry(at=event.at, label=event_label(event.event), details=details_in_words(event.details))
            for event in AuditEvent.objects.filter(account_id=account_id).order_by("-at", "-id")[:200]
        ],
        message_box=box_summary_of(account_id=account.pk),
    )


def _restarted(account: Account) -> bool:
    """Provisional without the address a first visit always gives: a restart (R-BOT2) emptied it."""
    return account.state == AccountState.PROVISIONAL and not account.code_email


def _forgotten_at(
    account_id: int,
    pending: EmailAddress | None,
    confirmed: EmailAddress | None,
    links: list[EmailLink],
    *,
    now: datetime,
) -> datetime | None:
    """R-EM7: the pending address past its 21 days (the periodic job may not have erased it yet), or erased by the
    job with nothing given or confirmed since (its `email_forgotten` event is newer than any link left and than
    the confirmation of the address the account has)."""
    if pending is not None:
        last = next((link.sent_at for link in links if link.email_id == pending.pk), pending.created_at)
        return last + conf().email_forget_after if emails.window_at(last, now) is Window.FORGOTTEN else None
    forgotten = (
        AuditEvent.objects.filter(account_id=account_id, event="email_forgotten")
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    # At or after: an address given (or confirmed) at the very instant of the forgetting is the new one.
    if forgotten is None or (links and links[0].sent_at >= forgotten):
        return None
    if confirmed is not None and confirmed.confirmed_at is not None and confirmed.confirmed_at >= forgotten:
        return None
    return forgotten


def _latest(links: list[EmailLink], *, now: datetime) -> LatestLink | None:
    if not links:
        return None
    link = links[0]
    config = conf()
    return LatestLink(
        sent_at=link.sent_at,
        valid_until=link.sent_at + config.email_link_lifetime,
        forgotten_at=link.sent_at + config.email_forget_after,
        window=WINDOW_IN_WORDS[emails.window_at(link.sent_at, now)],
        opens=link.opens,
        first_opened_at=link.first_opened_at,
        confirmed_at=link.used_at,
        address=link.email.address if link.email else link.canonical,
    )
