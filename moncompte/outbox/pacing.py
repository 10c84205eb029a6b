"""R-DLV6: the notifications lane paced per receiving provider (the groups of domains of providers.py: orange.fr and
wanadoo.fr together, gmail.com and googlemail.com…), each at the rate its setting gives, slowed by itself when the
provider answers 4xx. Codes and links are never paced (R-DLV5).

A notification claimed for a paced provider takes the provider's next free slot (one row per provider, locked for
the moment of the reservation, shared by every worker). A slot in the future sends the row back to wait for it,
and the sender takes the next due message instead: a provider held back holds back nobody else."""

from datetime import datetime, timedelta

from django.db.models import F, Value
from django.db.models.functions import Greatest

from moncompte.core.conf import conf
from moncompte.outbox import queries
from moncompte.outbox.models import Lane, OutboundEmail, ProviderPace
from moncompte.outbox.providers import provider_of

SLOWEST = 1 / 16  # a provider's rate never falls under this share of its setting
CALM = timedelta(minutes=1)  # a minute without a 4xx doubles a slowed rate again, up to its setting
EARLY = timedelta(milliseconds=20)  # a slot this close is taken at once rather than waited for


def rates() -> dict[str, float]:
    """OUTBOX_PACING, "provider=messages per second" items (providers.py's names): the paced providers."""
    pairs = (item.partition("=") for item in conf().outbox_pacing)
    return {name.strip(): float(rate) for name, _, rate in pairs}


def slot_start(email: OutboundEmail, *, now: datetime) -> datetime | None:
    """Inside the claim's transaction: when this email may leave, its slot reserved; None if at once (its slot
    reserved earlier has come, or it is not paced)."""
    rate = rates().get(provider := provider_of(email.to_address)) if email.lane == Lane.NOTIFICATIONS else None
    if not rate or email.slot_at is not None:
        return None
    pace = queries.pace_locked(provider)
    if pace is None:
        ProviderPace.objects.bulk_create([ProviderPace(provider=provider, next_slot_at=now)], ignore_conflicts=True)
        pace = queries.pace_locked(provider)
        if pace is None:  # made by this transaction, or by another that committed it
            raise ProviderPace.DoesNotExist(provider)
    if pace.factor < 1 and pace.calm_since is not None and now - pace.calm_since >= CALM:
        pace.factor, pace.calm_since = min(1.0, pace.factor * 2), now
    start = max(pace.next_slot_at, now)
    pace.next_slot_at = start + timedelta(seconds=1 / (rate * pace.factor))
    queries.pace_change(pace)
    return start if start > now + EARLY else None


def slowed_down(email: OutboundEmail, reply: str, *, now: datetime) -> None:
    """A 4xx answer to a paced notification halves its provider's rate (down to SLOWEST); a calm minute starts
    again. Other providers are untouched."""
    if email.lane != Lane.NOTIFICATIONS or not reply.startswith("4"):
        return
    provider = provider_of(email.to_address)
    if provider in rates():
        ProviderPace.objects.filter(pk=provider).update(
            factor=Greatest(F("factor") / 2, Value(SLOWEST)), calm_since=now
        )
