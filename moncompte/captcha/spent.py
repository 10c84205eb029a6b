"""The register of single-use tokens (SpentToken): spending one twice is refused, whatever the process."""

from datetime import datetime

from moncompte.captcha.models import SpentToken
from moncompte.captcha.queries import spent_token_insert
from moncompte.core import tokens


def token_spend(*, kind: str, token: str, expires_at: datetime) -> bool:
    """True the first time `token` is spent, False ever after (until it has expired and been purged)."""
    digest = tokens.digest(purpose=f"spent_{kind}", value=token)
    return spent_token_insert(digest=digest, expires_at=expires_at)


def spent_tokens_purge(*, now: datetime) -> int:
    """A periodic job: rows of tokens that have expired anyway are of no use."""
    deleted, _ = SpentToken.objects.filter(expires_at__lt=now).delete()
    return deleted
