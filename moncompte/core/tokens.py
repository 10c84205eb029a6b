"""Secrets: generation (secrets module), keyed digests at rest, constant-time comparison, masking."""

import hashlib
import hmac
import secrets

from django.conf import settings

UPPER = "ABCDEFGHJKMNPQRSTUVWXYZ"
LOWER = "abcdefghjkmnpqrstuvwxyz"
DIGITS = "23456789"


def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"moncompte:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def digest(*, purpose: str, value: str) -> str:
    """HMAC-SHA256 of a secret, keyed per purpose: what is stored instead of the secret."""
    return hmac.new(_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def matches(*, purpose: str, stored_digest: str, typed: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(purpose=purpose, value=typed))


def provisional_code(length: int = 10) -> str:
    """R-CODE1: unambiguous alphabet, at least one upper case, one lower case and one digit."""
    alphabet = UPPER + LOWER + DIGITS
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c in UPPER for c in code) and any(c in LOWER for c in code) and any(c in DIGITS for c in code):
            return code


def link_token() -> str:
    """R-EM3: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


LINK_CHECK_LENGTH = 8  # hex digits: 32 bits, a mistyped token passes once in four billion


def checked_link_token(*, purpose: str) -> str:
    """R-EM3: 256 random bits followed by a keyed check, so that a link cut or mistyped on its way can be told
    from one we sent (link_token_sent), without keeping anything once its rows are erased."""
    body = link_token()
    return body + digest(purpose=f"{purpose}_check", value=body)[:LINK_CHECK_LENGTH]


def link_token_sent(*, purpose: str, token: str) -> bool:
    """Whether `token` was made by checked_link_token for this purpose (whatever became of it since)."""
    body, check = token[:-LINK_CHECK_LENGTH], token[-LINK_CHECK_LENGTH:]
    expected = digest(purpose=f"{purpose}_check", value=body)[:LINK_CHECK_LENGTH]
    return len(body) == len(link_token()) and hmac.compare_digest(check.encode(), expected.encode())


def pseudonym(value: str) -> str:
    """A stable pseudonym (for the NIR in the audit log): same person, same pseudonym, not reversible."""
    return digest(purpose="pseudonym", value=value)[:16]


def mask_email(address: str) -> str:
    """'vincent@nowhere.fr' -> 'v•••••t@nowhere.fr': enough for a person to recognise it."""
    local, _, domain = address.partition("@")
    if len(local) <= 2:
        shown = local[:1] + "•" * max(1, len(local) - 1)
    else:
        shown = local[0] + "•" * (len(local) - 2) + local[-1]
    return f"{shown}@{domain}"
