"""R-DLV2: each email goes out with its own envelope sender, `bounces+<id>-<mac>@<domain>` (VERP), so that a
bounce names the message it answers; the MAC (keyed with SECRET_KEY) makes a forged one recognisable."""

import re

from django.utils.crypto import constant_time_compare, salted_hmac

from moncompte.core.conf import conf

_LOCAL = "bounces"
_SHAPE = re.compile(rf"^{_LOCAL}\+(\d{{1,18}})-([0-9a-f]{{16}})@(.+)$", re.IGNORECASE)


def _mac(email_id: int) -> str:
    return salted_hmac("moncompte.outbox.verp", str(email_id), algorithm="sha256").hexdigest()[:16]


def bounce_domain() -> str:
    domain: str = conf().bounce_domain or conf().from_address.partition("@")[2]
    return domain


def envelope_sender(email_id: int) -> str:
    return f"{_LOCAL}+{email_id}-{_mac(email_id)}@{bounce_domain()}"


def email_id_from(address: str) -> int | None:
    """The outbox row a bounce address names, or None if the address is not one of ours or is forged."""
    found = _SHAPE.match(address.strip().strip("<>"))
    if not found or found[3].lower() != bounce_domain().lower():
        return None
    email_id = int(found[1])
    return email_id if constant_time_compare(found[2].lower(), _mac(email_id)) else None
