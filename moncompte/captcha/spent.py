"""The register of single-use tokens (SpentToken): spending one twice is refused, whatever the process."""

from datetime import datetime

from django.db import IntegrityError, transaction

from moncompte.captcha.models import SpentToken
from moncompte.core import tokens


def token_spend(*, kind: str, token: str, expires_at: datetime) -> bool:
    """True the first time `token` is spent, False ever after (until it has expired and been purged)."""
    digest = tokens.digest(purpose=f"spent_{kind}", value=token)
    try:
        with transaction.atomic():
            SpentToken.objects.create(digest=digest, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def spent_tokens_purge(*, now: datetime) -> int:
    """A periodic job: rows of tokens that have expired anyway are of no use."""
    deleted, _ = SpentToken.objects.filter(expires_at__lt=now).delete()
    return deleted
