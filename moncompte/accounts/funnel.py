"""R-DLV4: the funnel of the confirmation link by email provider — links sent, delivered, bounced, confirmed —
and an alert when one provider's people confirm far less than everybody else's (the seed's Orange case)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from moncompte.accounts.models import EmailLink
from moncompte.core.conf import conf
from moncompte.outbox.models import DeliveryReport, EmailStatus, OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.reports import ReportKind


@dataclass(frozen=True)
class ProviderFunnel:
    provider: str
    links_sent: int
    delivered: int
    bounced: int
    confirmed: int

    @property
    def confirmation_rate(self) -> float:
        return self.confirmed / self.links_sent if self.links_sent else 0.0


@dataclass(frozen=True)
class Funnel:
    since: datetime
    providers: list[ProviderFunnel]  # most links first
    alerts: list[str]  # in French, one line per provider far below the others


def funnel_of(*, now: datetime, span: timedelta) -> Funnel:
    since = now - span
    links = EmailLink.objects.filter(sent_at__gte=since, sent_at__lte=now).values_list("canonical", "used_at")
    sent, confirmed = Counter[str](), Counter[str]()
    for address, used_at in links:
        sent[provider_of(address)] += 1
        confirmed[provider_of(address)] += used_at is not None
    emails = OutboundEmail.objects.filter(template="email_confirmation", created_at__gte=since, created_at__lte=now)
    delivered = _by_provider(emails.filter(status=EmailStatus.SENT))
    bounced_ids = DeliveryReport.objects.filter(kind__in=[ReportKind.HARD, ReportKind.REFUSED]).values("email_id")
    bounced = _by_provider(emails.filter(pk__in=bounced_ids))
    rows = [
        ProviderFunnel(name, sent[name], delivered[name], bounced[name], confirmed[name])
        for name in sorted(set(sent) | set(delivered), key=lambda n: (-sent[n], n))
    ]
    return Funnel(since=since, providers=rows, alerts=_alerts(rows))


def _by_provider(emails: QuerySet[OutboundEmail]) -> Counter[str]:
    return Counter(provider_of(address) for address in emails.values_list("to_address", flat=True))


def _alerts(rows: list[ProviderFunnel]) -> list[str]:
    """A provider is flagged when, on enough links to mean something, its confirmation rate is under half
    that of all the other providers together."""
    config = conf()
    alerts = []
    for row in rows:
        others = [other for other in rows if other is not row]
        others_sent = sum(o.links_sent for o in others)
        if row.links_sent < config.funnel_alert_min_links or not others_sent:
            continue
        others_rate = sum(o.confirmed for o in others) / others_sent
        if row.confirmation_rate < others_rate * config.funnel_alert_ratio_percent / 100:
            alerts.append(
                f"ALERTE {row.provider} : {row.confirmation_rate:.0%} des liens confirmés "
                f"contre {others_rate:.0%} chez les autres fournisseurs ({row.links_sent} liens, "
                f"{row.bounced} refusés)".replace("%", " %")
            )
    return alerts
