"""Identity step: check the person against the registry, then email a provisional code (R-ID1, R-ID2,
R-CAP2, R-CODE1..3, R-MAIL1)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import transaction

from moncompte.accounts.models import Account
from moncompte.accounts.queries import provisional_account_insert
from moncompte.accounts.states import AccountEvent, TransitionNotAllowed, accepts
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.captcha.guard import CaptchaProof
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.core.throttle import Limit
from moncompte.defence.keys import IDENTITY
from moncompte.defence.network_limit import identity_network_check, identity_network_take
from moncompte.defence.watch import velocity_record
from moncompte.enrollment import limits
from moncompte.enrollment.captcha_pass import captcha_pass
from moncompte.enrollment.errors import AccountAlreadyExists, CodeSendsLimited, IdentityNotMatched, IdentityTriesLimited
from moncompte.enrollment.provisional_codes import CodeSent, provisional_code_issue
from moncompte.enrollment.queries import person_with_account_of
from moncompte.registry.models import Beneficiary
from moncompte.registry.nir import Nir


def code_send(
    *,
    nir: Nir,
    birth_date: date,
    postal_code: str,
    email: str,
    captcha: CaptchaProof,
    client: Client,
    now: datetime,
) -> CodeSent:
    """First visit: the person proves who they are and receives a provisional code by email."""
    captcha_pass(proof=captcha, nir=nir, client=client, now=now, step="identity")
    _attack_mode_network_check(nir=nir, client=client, now=now)
    beneficiary = _identity_match(nir=nir, birth_date=birth_date, postal_code=postal_code, client=client, now=now)
    account = _account_of(beneficiary)
    if account is not None and not accepts(account.state, AccountEvent.IDENTITY_PROVEN):
        audit.record(event="identity_account_exists", now=now, nir=nir.value, account_id=account.pk, client=client)
        raise AccountAlreadyExists()

    with _code_taken(nir=nir, client=client, email=email, now=now), transaction.atomic():
        account = _provisional_account(beneficiary, account, email=email, now=now)
        sent = provisional_code_issue(account=account, to=email, now=now)
        audit.record(
            event="provisional_code_sent",
            now=now,
            nir=nir.value,
            account_id=account.pk,
            client=client,
            email=sent.email_masked,
        )
    velocity_record(signal=IDENTITY, address=client.address, email=email, postal_code=postal_code, now=now)
    return sent


@contextmanager
def _code_taken(*, nir: Nir, client: Client, email: str, now: datetime) -> Iterator[None]:
    """R-LIM8: the caps of this NIR count the codes sent to this address; a code sent to someone else's address
    neither uses them up nor voids the person's code. Checked, then the network's success taken (R-BOT1: in
    attack mode, once an hour a network), then counted outside the transaction, so that parallel requests that
    passed the check together see each other's counts (R-LIM3): the caps, and the mailbox's bound, still hold.
    Taken back if the code could not be sent (R-LIM2)."""
    wait = limits.code_sends_left(nir=nir.value, client=client, to=email, device=None, now=now)
    if wait is not None:
        raise CodeSendsLimited(wait)
    identity_network_take(address=client.address, now=now)
    with limits.code_send_counted(nir=nir.value, client=client, to=email, device=None, now=now) as wait:
        if wait is not None:
            raise CodeSendsLimited(wait)
        yield


def _attack_mode_network_check(*, nir: Nir, client: Client, now: datetime) -> None:
    """R-BOT1: in attack mode, a network that passed the identity step this hour waits (asked before the
    identity is checked, so the answer says nothing of it)."""
    try:
        identity_network_check(address=client.address, now=now)
    except TooManyAttempts:
        audit.record(event="identity_throttled", now=now, nir=nir.value, client=client, reason="attack_mode_network")
        raise


def _provisional_account(beneficiary: Beneficiary, found: Account | None, *, email: str, now: datetime) -> Account:
    """The account that receives the code: created at the first visit, still provisional on later ones."""
    if found is None:
        # Created provisional: nothing to advance, and no other request can see it before the commit.
        created = provisional_account_insert(beneficiary=beneficiary, email=email, now=now)
        if created is not None:
            return created
        # Two first visits at the same moment make one account: the other one's.
        found = Account.objects.get(beneficiary=beneficiary)
    if found.code_email != email:
        Account.objects.filter(pk=found.pk).update(code_email=email)
    try:
        account_advance(found, event=AccountEvent.IDENTITY_PROVEN, now=now)
    except TransitionNotAllowed as moved_on:  # a personal code was chosen meanwhile, in another window
        raise AccountAlreadyExists() from moved_on
    return found


def _account_of(beneficiary: Beneficiary) -> Account | None:
    """The account _identity_match read with its person, or None for a first visit."""
    try:
        return beneficiary.account
    except Account.DoesNotExist:
        return None


def _identity_match(*, nir: Nir, birth_date: date, postal_code: str, client: Client, now: datetime) -> Beneficiary:
    """R-ID1, R-ID2: one message whatever field was wrong; failures limited per client, and per NIR from
    each client, so nobody who knows a NIR can stop its person from enrolling (R-LIM2). Each try is counted
    before the registry is read and taken back unless it fails (R-LIM3): a burst of parallel guesses of a
    birth date each sees the others, where a check before the failure was counted let them all through."""
    counted: list[tuple[Limit, str, str]] = []
    try:
        for limit, key in (
            (limits.identity_failures_per_client(), client.address),
            (limits.identity_failures_per_nir(), f"{nir.value}|{client.address}"),
        ):
            handle, wait = throttle.hit_first(limit, key=key, now=now)
            counted.append((limit, key, handle))
            if wait is not None:
                audit.record(event="identity_throttled", now=now, nir=nir.value, client=client)
                raise IdentityTriesLimited(wait)
        # With its account, if any, in the same read (issue 22: one round trip less on the identity step).
        beneficiary = person_with_account_of(nir=nir.value, birth_date=birth_date, postal_code=postal_code.strip())
    except BaseException:
        _identity_tries_take_back(counted)  # refused, or a crash: neither is a wrong identity
        raise
    if beneficiary is None:
        audit.record(event="identity_not_matched", now=now, nir=nir.value, client=client)
        raise IdentityNotMatched()
    _identity_tries_take_back(counted)
    return beneficiary


def _identity_tries_take_back(counted: list[tuple[Limit, str, str]]) -> None:
    throttle.unhit_each(counted)
