"""Email addresses of accounts: canonical form, uniqueness (R-CT2) and its refusals counted, the 7 / 21-day
windows (R-EM6/7)."""

import contextlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.db import IntegrityError, transaction
from email_validator import EmailNotValidError, validate_email

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.queries import AddressRow, addresses_claim_rows
from moncompte.core import throttle
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError, TooManyAttempts
from moncompte.core.queries import row_insert
from moncompte.core.throttle import Limit


class EmailTaken(DomainError):
    code = "email_taken"
    field = "email"
    message = (
        "Cette adresse email est déjà utilisée par un autre compte. Chaque compte doit avoir sa propre "
        "adresse : saisissez-en une autre."
    )


class EmailInvalid(DomainError):
    code = "email_invalid"
    field = "email"
    message = "Cette adresse email n'est pas valide (exemple : prenom.nom@exemple.fr)."


class EmailAccentBeforeAt(EmailInvalid):
    code = "email_accent_before_at"
    message = (
        "Les lettres accentuées ne sont pas acceptées avant le @ d'une adresse email : vérifiez-la "
        "(exemple : prenom.nom@exemple.fr)."
    )


def email_checked(raw: str) -> str:
    """A valid address that every mail server accepts: no accented letter before the @ (that needs SMTPUTF8,
    which relays do not all support), the domain written in ASCII (IDNA) when it has accents. The web's
    forms and the app's API both ask here."""
    text = raw.strip()
    local = text.rpartition("@")[0]
    if local and not local.isascii():
        raise EmailAccentBeforeAt()
    try:
        return str(validate_email(text, check_deliverability=False, allow_smtputf8=False).ascii_email)
    except EmailNotValidError as error:
        raise EmailInvalid() from error


class EmailsDiffer(DomainError):
    code = "emails_differ"
    field = "email_confirmation"
    message = "Les deux adresses email ne sont pas identiques."


def email_pair_check(email: str, confirmation: str) -> None:
    """R-CT1: the confirmation is the same address, letter case aside. It is compared as it would be written to
    the relay (a domain with accents in ASCII, IDNA) when it is a valid address, as typed otherwise: a mistyped
    confirmation is told to differ, next to it, never to be invalid next to the address above."""
    if email.lower() != as_written(confirmation).lower():
        raise EmailsDiffer()


def as_written(address: str) -> str:
    """The address as the service writes it to the relay and stores it, when it is valid (email_checked: the
    domain in ASCII, IDNA, so « exémple.fr », « EXÉMPLE.FR » and « xn--exmple-cva.fr » are one); as typed,
    spaces around removed, otherwise."""
    with contextlib.suppress(EmailInvalid):
        return email_checked(address)
    return address.strip()


def canonical(address: str) -> str:
    return unicodedata.normalize("NFC", address.strip()).lower()


# Domains whose provider delivers every name to the same mailbox at another of its domains: the names are one
# namespace there, so nobody else can hold the same name at the other domain (Gmail, iCloud, Proton).
SAME_MAILBOX_DOMAINS = {
    "googlemail.com": "gmail.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "protonmail.com": "proton.me",
    "protonmail.ch": "proton.me",
    "pm.me": "proton.me",
}
DOTLESS_DOMAINS = {"gmail.com"}  # dots in the name are ignored there


def mailbox_of(address: str) -> str:
    """The mailbox an address reaches, as far as it can be told from outside: as written to the relay (a domain
    with accents in ASCII), canonical, without a "+tag" (most providers deliver camille+x@ to camille@), at the
    provider's main domain and, at Gmail, without dots in the name. For limits that bound what one mailbox
    receives (R-LIM8), never to store or to send. Only "+" separates a tag: "-" and "=" are parts of many names
    (jean-pierre@ is not jean@), and cutting there would let codes sent to one person's address use up the
    bound of another's."""
    local, _, domain = canonical(as_written(address)).rpartition("@")
    local = local.split("+", 1)[0] or local
    domain = SAME_MAILBOX_DOMAINS.get(domain, domain)
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


class Window(Enum):
    """Where a pending address stands, from the time its last link was sent."""

    ACTIVE = "active"  # under 7 days: the latest link confirms
    EXPIRED = "expired"  # 7 to 21 days: offer to send again, same or different address
    FORGOTTEN = "forgotten"  # 21 days and more: the address is forgotten, ask for one again


@dataclass(frozen=True)
class Pending:
    email: EmailAddress
    last_sent_at: datetime
    window: Window


def window_at(sent_at: datetime, now: datetime) -> Window:
    age = now - sent_at
    if age >= conf().email_forget_after:
        return Window.FORGOTTEN
    if age >= conf().email_link_lifetime:
        return Window.EXPIRED
    return Window.ACTIVE


def pending_of(account: Account, *, now: datetime) -> Pending | None:
    email = EmailAddress.objects.filter(account=account, confirmed_at=None).first()
    return _pending(account, email, now=now)


def _pending(account: Account, email: EmailAddress | None, *, now: datetime) -> Pending | None:
    if email is None:
        return None
    last = EmailLink.objects.filter(account=account, email=email).order_by("-sent_at", "-id").first()
    sent_at = last.sent_at if last else email.created_at
    return Pending(email=email, last_sent_at=sent_at, window=window_at(sent_at, now))


def confirmed_of(account: Account) -> EmailAddress | None:
    return EmailAddress.objects.filter(account=account, confirmed_at__isnull=False).first()


def confirmed_and_pending_of(account: Account, *, now: datetime) -> tuple[EmailAddress | None, Pending | None]:
    """Both addresses of an account in one read (an account has at most one of each)."""
    addresses = list(EmailAddress.objects.filter(account=account))
    confirmed = next((email for email in addresses if email.confirmed_at is not None), None)
    pending = next((email for email in addresses if email.confirmed_at is None), None)
    return confirmed, _pending(account, pending, now=now)


def _stale(email: AddressRow, *, now: datetime) -> bool:
    """A pending row whose 21 days are over: free for anyone, even before the erasure job."""
    last = EmailLink.objects.filter(email_id=email.id).order_by("-sent_at").values_list("sent_at", flat=True).first()
    return window_at(last or email.created_at, now) is Window.FORGOTTEN


def claim_pending(*, account: Account, address: str, now: datetime) -> EmailAddress:
    """Makes `address` the account's pending address (replacing any other pending one).

    The unique index on the canonical form settles races: of two accounts claiming one address at the same
    moment, exactly one gets it, the other gets EmailTaken. Every caller claims inside its own transaction and
    lets EmailTaken end it, so no savepoint of its own (issue 22: two round trips less on the contact step).
    """
    wanted = canonical(address)
    # Read once (issue 22): the row holding the address (the canonical form is unique: one at most) and the
    # account's own pending address, which the new one replaces.
    rows = addresses_claim_rows(canonical=wanted, account_id=account.pk)
    holder = next((row for row in rows if row.canonical == wanted), None)
    replaced = [row for row in rows if row.account_id == account.pk and not row.confirmed]
    if holder is not None and holder not in replaced:
        if holder.confirmed or not _stale(holder, now=now):
            raise EmailTaken()
        replaced.append(holder)  # another account's, forgotten after its 21 days
    try:
        with transaction.atomic(savepoint=False):
            if replaced:
                EmailAddress.objects.filter(pk__in=[row.id for row in replaced]).delete()
            # Issue 22: written by the ORM, the claim (with its read) was 0.8 % of the web processes' Python time
            # under SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench --redis`): on a cursor.
            claimed = EmailAddress(account=account, address=address.strip(), canonical=wanted, created_at=now)
            row_insert(claimed)
            return claimed
    except IntegrityError as error:
        raise EmailTaken() from error


def email_claims_refused() -> Limit:
    return Limit("email_taken", conf().email_taken_per_day, timedelta(days=1))


@contextlib.contextmanager
def refused_email_claims_counted(*, account_id: int, now: datetime) -> Iterator[None]:
    """ "Address already used" answers are counted per account, so nobody can probe who has which address.

    Wrap the whole transaction: a hit recorded inside it would be rolled back with it.
    """
    key = str(account_id)
    wait = throttle.retry_after(email_claims_refused(), key=key, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field="email")
    try:
        yield
    except EmailTaken:
        throttle.hit(email_claims_refused(), key=key, now=now)
        raise
