"""Email confirmation links (R-EM2..9): send, read a link's status, confirm, send again, forget at 21 days."""

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from moncompte.accounts import emails
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.queries import (
    HeldAddress,
    LinkFound,
    address_confirm,
    addresses_locked_of,
    link_by_digest,
    link_opened_count,
)
from moncompte.accounts.states import AccountEvent
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.core import metrics, throttle, tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError
from moncompte.core.queries import row_insert
from moncompte.core.service_terms import service_terms
from moncompte.enrollment import limits
from moncompte.enrollment.errors import (
    LinkExpired,
    LinkForgotten,
    LinkReplaced,
    LinkResendImpossible,
    LinkResendLimited,
    LinkUnknown,
)
from moncompte.outbox import mail
from moncompte.outbox.providers import provider_of

logger = logging.getLogger("moncompte.enrollment")
PURPOSE = "email_link"


def link_url(token: str) -> str:
    return f"{conf().site_url}/email/{token}/"


def _resend_limits(account: Account, email: EmailAddress) -> list[tuple[throttle.Limit, str, bool]]:
    """(limit, key, daily): a minute between two links to one address, a few links a day in all (R-EM9)."""
    return [
        (limits.link_cooldown(), f"{account.pk}:{email.canonical}", False),
        (limits.links_per_day(), str(account.pk), True),
    ]


def _check_resend_limits(account: Account, email: EmailAddress, *, now: datetime) -> None:
    """Both read at once (issue 22: one round trip to Redis instead of two); the address's minute first."""
    resend = _resend_limits(account, email)
    waits = throttle.retry_after_each([(limit, key) for limit, key, _ in resend], now=now)
    for (_, _, daily), wait in zip(resend, waits, strict=True):
        if wait is not None:
            raise LinkResendLimited(retry_after=wait, daily=daily)


def link_send(*, account: Account, email: EmailAddress, now: datetime) -> str:
    """Writes a new link (older ones stop working: only the latest counts) and its email. R-EM2, R-EM9."""
    _check_resend_limits(account, email, now=now)
    token = tokens.checked_link_token(purpose=PURPOSE)
    with transaction.atomic(savepoint=False):
        link = EmailLink(
            account=account,
            email=email,
            canonical=email.canonical,
            digest=tokens.digest(purpose=PURPOSE, value=token),
            sent_at=now,
        )
        # Issue 22: through the ORM's save(), 0.1 % of the web processes' Python time under SQLCompiler.execute_sql
        # alone (py-spy --gil during `bench.journey_bench --redis`), ~0.5 ms against ~0.07 ms on a cursor.
        row_insert(link)
        mail.enqueue(
            template="email_confirmation",
            to=email.address,
            now=now,
            account_id=account.pk,
            context=account.greeting(),
            secret_context={"link": link_url(token)},
        )
        throttle.hit_each([(limit, key) for limit, key, _ in _resend_limits(account, email)], now=now)
    return tokens.mask_email(email.address)


class LinkStatus(Enum):
    VALID = "valid"
    CONFIRMED = "confirmed"  # by this very request
    ALREADY_CONFIRMED = "already_confirmed"
    REPLACED = "replaced"
    EXPIRED = "expired"
    FORGOTTEN = "forgotten"  # a link we sent, 21 days old, or erased with its address (R-EM7)
    UNKNOWN = "unknown"  # never sent: a link cut or mistyped on its way (its check fails; no account read)


@dataclass(frozen=True)
class LinkState:
    status: LinkStatus
    link: LinkFound | None
    email_masked: str = ""
    address_changed: bool = False  # confirmed in place of an earlier confirmed address (« Mon compte »)


def link_status(*, token: str, now: datetime) -> LinkState:
    """What a link is worth now. Reads only: opening a link (GET, HEAD) changes nothing (R-EM4)."""
    # The link, its address, its account's state and its account's latest link, in one statement.
    link = link_by_digest(digest=tokens.digest(purpose=PURPOSE, value=token))
    if link is None and not tokens.link_token_sent(purpose=PURPOSE, token=token):
        return LinkState(LinkStatus.UNKNOWN, None)
    if link is None or emails.window_at(link.sent_at, now) is Window.FORGOTTEN:
        return LinkState(LinkStatus.FORGOTTEN, None)
    masked = tokens.mask_email(link.email_address) if link.email_id is not None else ""
    if link.email_id is not None and link.email_confirmed:
        return LinkState(LinkStatus.ALREADY_CONFIRMED, link, masked)
    if link.email_id is None or not link.latest:
        return LinkState(LinkStatus.REPLACED, link, masked)
    if emails.window_at(link.sent_at, now) is Window.EXPIRED:
        return LinkState(LinkStatus.EXPIRED, link, masked)
    return LinkState(LinkStatus.VALID, link, masked)


def link_opened(*, token: str, client: Client, now: datetime) -> LinkState:
    """The link's page is shown (GET): what it can do, and the fact that it was opened, for support (an old
    link opened after a newer one was sent, a link opened by a scanner and never confirmed). Changes nothing
    of the account (R-EM4)."""
    state = link_status(token=token, now=now)
    if state.link is not None:
        link = state.link
        link_opened_count(link_id=link.id, now=now)
        audit.record(
            event="email_link_opened", now=now, account_id=link.account_id, client=client, status=state.status.value
        )
    return state


def email_confirm(*, token: str, client: Client, now: datetime) -> LinkState:
    """The "Confirmer mon email" button (POST). Confirming twice answers "déjà confirmée"."""
    state = link_status(token=token, now=now)
    link = state.link
    if state.status is not LinkStatus.VALID or link is None or link.email_id is None:
        return state
    # The account as the link read it: account_advance needs only its id and the state it was seen in.
    account = Account(pk=link.account_id, state=link.account_state)
    with transaction.atomic():
        # The account's addresses (two at most: this pending one, an earlier confirmed one) locked and read at once.
        held = addresses_locked_of(account_id=account.pk)
        if HeldAddress(id=link.email_id, confirmed=False) not in held:
            return LinkState(LinkStatus.ALREADY_CONFIRMED, link, state.email_masked)  # a parallel click won
        # An address change: the new confirmed address replaces the old one.
        earlier = [address.id for address in held if address.confirmed]
        replaced = EmailAddress.objects.filter(pk__in=earlier).delete()[0] if earlier else 0
        # A confirmed address works, whatever a server once reported about it (R-DLV2).
        address_confirm(email_id=link.email_id, link_id=link.id, now=now)
        account_advance(account, event=AccountEvent.LINK_CONFIRMED, now=now)
        audit.record(event="email_confirmed", now=now, account_id=account.pk, client=client, email=state.email_masked)
        metrics.after_commit(metrics.emails_confirmed.labels(provider_of(link.email_address)).inc)
    return LinkState(LinkStatus.CONFIRMED, link, state.email_masked, address_changed=bool(replaced))


# What a link that confirms nothing raises for a channel that answers with errors (R-EM10).
LINK_REFUSED: dict[LinkStatus, type[DomainError]] = {
    LinkStatus.EXPIRED: LinkExpired,
    LinkStatus.REPLACED: LinkReplaced,
    LinkStatus.FORGOTTEN: LinkForgotten,
    LinkStatus.UNKNOWN: LinkUnknown,
}


def email_confirm_or_refuse(*, token: str, client: Client, now: datetime) -> LinkState:
    """R-EM10: email_confirm, the web page's button, for the app that opened the link itself: confirmed or already
    confirmed, or the error saying why the link confirms nothing (the web shows the same as a page)."""
    state = email_confirm(token=token, client=client, now=now)
    refused = LINK_REFUSED.get(state.status)
    if refused is not None:
        raise refused()
    return state


def link_resend_from_link(*, token: str, client: Client, now: datetime) -> str:
    """ "Recevoir un nouveau lien" from a replaced or expired link: to the account's current pending address."""
    state = link_status(token=token, now=now)
    if state.link is None or state.status not in (LinkStatus.REPLACED, LinkStatus.EXPIRED):
        raise LinkResendImpossible()
    return link_resend(account_id=state.link.account_id, client=client, now=now)


def link_resend(*, account_id: int, client: Client, now: datetime) -> str:
    """Send again to the same (pending, not forgotten) address. R-EM6, R-EM9."""
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    pending = emails.pending_of(account, now=now)
    if pending is None or pending.window is Window.FORGOTTEN:
        raise LinkResendImpossible()
    with transaction.atomic():
        account_advance(account, event=AccountEvent.LINK_RESENT, now=now)
        masked = link_send(account=account, email=pending.email, now=now)
        audit.record(event="email_link_resent", now=now, account_id=account.pk, client=client, email=masked)
    return masked


def email_replace(*, account_id: int, address: str, client: Client, now: datetime) -> str:
    """A different address (R-EM6), or a new one after the old was forgotten (R-EM7): claim it, send a link."""
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    with emails.refused_email_claims_counted(account_id=account.pk, now=now), transaction.atomic():
        account_advance(account, event=AccountEvent.ADDRESS_GIVEN, now=now)
        email = emails.claim_pending(account=account, address=address, now=now)
        masked = link_send(account=account, email=email, now=now)
        audit.record(event="email_pending_replaced", now=now, account_id=account.pk, client=client, email=masked)
    return masked


FORGET_BATCH = 500


def pending_emails_forget(*, now: datetime, batch_size: int = FORGET_BATCH) -> int:
    """R-EM7: 21 days after the last link, the unconfirmed address is erased with its links.

    In batches: `batch_size` overdue addresses read at a time (through the index of pending addresses, so the
    cost follows what is due, not the number of accounts), each forgotten in its own short transaction; old
    links deleted `batch_size` at a time. No lock is held for long, and a run stopped midway loses nothing.
    """
    cutoff = now - conf().email_forget_after
    forgotten, after = 0, 0
    while True:
        batch = list(_overdue(cutoff).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size])
        forgotten += sum(_forget(email_id, cutoff=cutoff, now=now) for email_id in batch)
        if len(batch) < batch_size:
            break
        after = batch[-1]
    # Links of confirmed addresses are of no use after the same delay.
    while True:
        old = list(EmailLink.objects.filter(sent_at__lte=cutoff).values_list("pk", flat=True)[:batch_size])
        if old:
            EmailLink.objects.filter(pk__in=old).delete()
        if len(old) < batch_size:
            break
    if forgotten:
        logger.info("%s adresse(s) non confirmée(s) oubliée(s) après %s", forgotten, service_terms().forget_after)
    return forgotten


def _overdue(cutoff: datetime) -> "QuerySet[EmailAddress]":
    """Pending addresses given before `cutoff` and sent no link since: their last link (if any) is older."""
    newer_link = EmailLink.objects.filter(email=OuterRef("pk"), sent_at__gt=cutoff)
    return EmailAddress.objects.filter(confirmed_at=None, created_at__lte=cutoff).exclude(Exists(newer_link))


def _forget(email_id: int, *, cutoff: datetime, now: datetime) -> bool:
    account_id = EmailAddress.objects.filter(pk=email_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return False
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        # Checked again under the account's lock: a link sent or a confirmation since the batch was read wins.
        if not _overdue(cutoff).filter(pk=email_id).exists():
            return False
        EmailLink.objects.filter(account=account).delete()
        EmailAddress.objects.filter(pk=email_id, confirmed_at=None).delete()
        account_advance(account, event=AccountEvent.ADDRESS_FORGOTTEN, now=now)
        audit.record(event="email_forgotten", now=now, account_id=account.pk)
    return True
