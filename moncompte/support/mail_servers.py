"""R-SUP4: does a domain receive mail? Asked of the DNS by the worker (MX, else an address: RFC 5321), never
while a page waits: the desk reads the answer stored here, with when it was given. The DNS is asked about the
domains of addresses waiting for their link and about those the desk opened; an answer is believed for a week,
a question the DNS could not answer (offline, timeout, server failure) is asked again ten minutes later."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import dns.exception
import dns.resolver
from django.db.models import F, Q

from moncompte.accounts.emails import canonical
from moncompte.accounts.models import EmailAddress
from moncompte.core.conf import conf
from moncompte.outbox.providers import PROVIDERS
from moncompte.support.models import MailDomain

# The large providers take mail: never asked about.
PROVIDER_DOMAINS = frozenset(domain for domains in PROVIDERS.values() for domain in domains)
DnsLookup = Callable[[str], bool | None]  # domain -> has mail servers (None: could not tell)


@dataclass(frozen=True)
class MailServersSeen:
    """What the DNS said of a domain's mail servers, and when."""

    receives_mail: bool | None
    checked_at: datetime


def domain_has_mail_servers(domain: str) -> bool | None:
    """The DNS's answer: True (mail servers, or an address to deliver to), False (no such domain, a "null MX",
    or neither MX nor address), None when it could not tell within the timeout."""
    try:
        resolver = _resolver()
        answer = resolver.resolve(domain, "MX")
        # A "null MX" (RFC 7505: one record, preference 0, host ".") says the domain takes no mail.
        return not all(str(record.exchange) == "." for record in answer)
    except dns.resolver.NXDOMAIN:
        return False
    except dns.resolver.NoAnswer:
        return _has_address(resolver, domain)
    except dns.exception.DNSException:
        return None


def _resolver() -> dns.resolver.Resolver:
    config = conf()
    resolver = dns.resolver.Resolver(configure=not config.support_dns_servers)
    if config.support_dns_servers:
        resolver.nameservers, resolver.port = list(config.support_dns_servers), config.support_dns_port
    resolver.lifetime = config.support_dns_timeout_seconds
    return resolver


def _has_address(resolver: dns.resolver.Resolver, domain: str) -> bool | None:
    """No MX: mail goes to the domain's own address (A or AAAA), if it has one."""
    for kind in ("A", "AAAA"):
        try:
            resolver.resolve(domain, kind)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            continue
        except dns.exception.DNSException:
            return None
        return True
    return False


def mail_domains_check(*, now: datetime, lookup: DnsLookup = domain_has_mail_servers) -> int:
    """The worker's periodic job: asks the DNS about the domains wanted and not known (or known too long ago),
    a round's worth at once, each question with its timeout. Returns how many were asked."""
    _want(_domains_waiting(now=now), now=now)
    config = conf()
    old = now - config.support_mail_domain_fresh
    MailDomain.objects.filter(wanted_at__lt=old, checked_at__lt=old).delete()  # nobody waits on them any more
    due = MailDomain.objects.filter(
        Q(checked_at=None)
        | Q(receives_mail=None, checked_at__lt=now - config.support_mail_domain_retry, wanted_at__gte=old)
        | Q(checked_at__lt=old, wanted_at__gt=F("checked_at"))
    )
    domains = list(due.order_by("-wanted_at").values_list("domain", flat=True)[: config.support_mail_domains_per_round])
    if not domains:
        return 0
    with ThreadPoolExecutor(max_workers=min(len(domains), 8)) as pool:
        answers = list(pool.map(lookup, domains))
    for domain, answer in zip(domains, answers, strict=True):
        MailDomain.objects.filter(domain=domain).update(receives_mail=answer, checked_at=now)
    return len(domains)


def _domains_waiting(*, now: datetime) -> set[str]:
    """The domains of addresses given since the last rounds and waiting for their link (read by the index of
    pending addresses)."""
    since = now - 3 * conf().support_mail_domain_retry
    recent = EmailAddress.objects.filter(confirmed_at=None, created_at__gte=since).values_list("canonical", flat=True)
    return {address.rpartition("@")[2] for address in recent} - PROVIDER_DOMAINS


def _want(domains: set[str], *, now: datetime) -> None:
    if domains:
        MailDomain.objects.bulk_create(
            [MailDomain(domain=domain, wanted_at=now) for domain in sorted(domains)],
            update_conflicts=True,
            unique_fields=["domain"],
            update_fields=["wanted_at"],
        )


def mail_servers_seen(domain: str, *, now: datetime) -> MailServersSeen | None:
    """The desk's read: the DNS's answer on `domain` if it is recent enough to believe, else None (and the
    worker is asked to find out, for the next time the page is opened)."""
    domain = canonical(domain)
    if not domain or domain in PROVIDER_DOMAINS:
        return None
    known = MailDomain.objects.filter(domain=domain).first()
    config = conf()
    if known is None or known.checked_at is None or known.checked_at < now - config.support_mail_domain_fresh:
        _want({domain}, now=now)
        return None
    if known.receives_mail is None:
        return None
    return MailServersSeen(receives_mail=known.receives_mail, checked_at=known.checked_at)
