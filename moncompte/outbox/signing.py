"""R-DLV3: DKIM signature of every outgoing message when a key is configured (dkimpy).

MONCOMPTE_DKIM_SELECTOR and MONCOMPTE_DKIM_PRIVATE_KEY_FILE (PEM, RSA 2048 bits or more) turn it on;
MONCOMPTE_DKIM_DOMAIN is the From domain unless set. The public key is published in DNS at
<selector>._domainkey.<domain> (see the README, « Courriels authentifiés »).
"""

from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache
from pathlib import Path

import dkim
from django.core.exceptions import ImproperlyConfigured

from moncompte.core.conf import conf

SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"auto-submitted",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


@dataclass(frozen=True)
class DkimKey:
    domain: bytes
    selector: bytes
    private_key: bytes


@cache
def configured_key() -> DkimKey | None:
    """The signing key, read once; None when signing is off. A half-done configuration is refused."""
    config = conf()
    selector, key_file = config.dkim_selector, config.dkim_private_key_file
    if not selector and not key_file:
        return None
    if not (selector and key_file):
        raise ImproperlyConfigured(
            "DKIM : indiquez MONCOMPTE_DKIM_SELECTOR et MONCOMPTE_DKIM_PRIVATE_KEY_FILE ensemble."
        )
    try:
        private_key = Path(key_file).read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(f"DKIM : clé privée illisible ({key_file}) : {error.strerror}") from error
    domain = config.dkim_domain or config.from_address.partition("@")[2]
    return DkimKey(domain=domain.encode(), selector=selector.encode(), private_key=private_key)


def dkim_sign(message: EmailMessage) -> None:
    """Adds the DKIM-Signature header to the message as it will be sent (relaxed canonicalization, so the
    header's own folding does not matter)."""
    key = configured_key()
    if key is None:
        return
    signature = dkim.sign(
        message.as_bytes(),
        key.selector,
        key.domain,
        key.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED_HEADERS,
    )
    name, _, value = signature.decode().partition(":")
    message[name] = " ".join(value.split())
