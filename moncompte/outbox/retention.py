"""R-DLV1: emails that reached an end (delivered or given up) and their attempts are kept for a while, for
support, then deleted. Run by the worker among its periodic jobs."""

from datetime import datetime, timedelta

from moncompte.core.conf import conf
from moncompte.outbox.models import EmailStatus, OutboundEmail


def outbox_purge(*, now: datetime) -> int:
    """Deletes finished emails older than OUTBOX_RETENTION_DAYS; pending ones are never deleted."""
    horizon = now - timedelta(days=conf().outbox_retention_days)
    old = OutboundEmail.objects.filter(created_at__lt=horizon).exclude(status=EmailStatus.PENDING)
    _, by_model = old.delete()
    return by_model.get(OutboundEmail._meta.label, 0)
