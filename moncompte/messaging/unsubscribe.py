"""R-MSG7: one-click unsubscribe (RFC 8058) from the notification of a promotional message: a signed token good
for one thing only, turning the email consent to "non" without signing in, recorded in the ledger with its
source."""

from datetime import datetime
from typing import Any

from django.core import signing
from django.db import transaction

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.audit.log import record
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError
from moncompte.messaging.models import Notice

SALT = "moncompte.messaging.unsubscribe-email"  # a token of this purpose is worth nothing for any other
SOURCE = "desabonnement_1clic"  # the ledger's source of a consent withdrawn by this link


class UnsubscribeLinkRefused(DomainError):
    code = "unsubscribe_link_invalid"
    message = (
        "Ce lien de désabonnement n'est pas valable ou a expiré. Pour ne plus recevoir d'informations "
        "promotionnelles par email, connectez-vous à votre compte : « Mon compte », « Informations promotionnelles »."
    )


def unsubscribe_token(*, account_id: int, letter_id: int | None = None) -> str:
    """Signs the account, and the letter whose notification carries the link (R-MSG13 counts it there)."""
    signed: int | list[int] = account_id if letter_id is None else [account_id, letter_id]
    return signing.dumps(signed, salt=SALT, compress=True)


def unsubscribe_url(*, account_id: int, letter_id: int | None = None) -> str:
    return f"{conf().site_url}/desabonnement/{unsubscribe_token(account_id=account_id, letter_id=letter_id)}/"


def _account_of(token: str) -> tuple[Account, int | None]:
    """The account, and the letter if the token names one (a token made before letters names only the account)."""
    try:
        signed = signing.loads(token, salt=SALT, max_age=conf().unsubscribe_link_lifetime)
    except signing.BadSignature:  # expired included
        raise UnsubscribeLinkRefused() from None
    account_id, letter_id = (signed, None) if isinstance(signed, int) else (None, None)
    if isinstance(signed, list) and len(signed) == 2 and all(isinstance(value, int) for value in signed):
        account_id, letter_id = signed
    account = Account.objects.filter(pk=account_id).first() if account_id is not None else None
    if account is None:
        raise UnsubscribeLinkRefused()
    return account, letter_id


def unsubscribe_check(*, token: str) -> None:
    """The link is good (the page that offers the button says so before anything is changed)."""
    _account_of(token)


def _letter_named(letter_id: int | None) -> dict[str, Any]:
    return {"letter": letter_id} if letter_id is not None else {}


def email_consent_withdraw(*, token: str, client: Client, now: datetime) -> None:
    """The email consent becomes "non"; a second click changes nothing and says the same. The notification the
    link came with is marked (R-MSG13: the campaign's unsubscribed)."""
    account, letter_id = _account_of(token)
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        latest = consents.latest_record(account.pk, ConsentChannel.EMAIL)
        if latest is not None and not latest.granted:
            return
        withdrawn = consents.consent_record(
            account=account, channel=ConsentChannel.EMAIL, granted=False, now=now, source=SOURCE
        )
        record(
            event="consent_changed",
            now=now,
            account_id=account.pk,
            client=client,
            consent_channel=ConsentChannel.EMAIL.value,
            granted=False,
            source=SOURCE,
            consent_record=withdrawn.pk,
            **_letter_named(letter_id),
        )
        if letter_id is not None:
            Notice.objects.filter(letter_id=letter_id, account_id=account.pk, unsubscribed_at__isnull=True).update(
                unsubscribed_at=now
            )
