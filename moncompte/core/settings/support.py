"""The settings of the support desk and of staff sign-in (R-SUP*, R-BOT2)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class SupportSettings:
    # R-SUP4: providers known to filter the service's emails (the seed's Orange « liste rouge »).
    support_filtering_domains: tuple[str, ...] = ("orange.fr", "wanadoo.fr")
    support_dns_timeout_seconds: int = 2  # one DNS question (MX, then A and AAAA), asked by the worker
    # The DNS servers asked (IP addresses, on this port); none: the machine's own (/etc/resolv.conf).
    support_dns_servers: tuple[str, ...] = ()
    support_dns_port: int = 53
    # R-SUP4: how long the DNS's answer on a domain's mail servers is believed, and when a question the DNS could
    # not answer is asked again; the domains the worker asks about in one round (at once, each with its timeout).
    support_mail_domain_fresh: timedelta = timedelta(days=7)
    support_mail_domain_retry: timedelta = timedelta(minutes=10)
    support_mail_domains_per_round: int = 20
    support_actions_per_hour: int = 60  # actions of one staff member
    support_reason_min_length: int = 5  # R-SUP2: characters of a search's or an action's reason, once cleaned
    staff_max_failures: int = 10  # wrong staff passwords an hour, per address, per user name and per device
    # R-SUP6: how long the device cookie a complete staff sign-in leaves lets its holder past the limits others
    # have used up on the user name (renewed at each sign-in: an agent who works monthly keeps it).
    staff_device_lifetime: timedelta = timedelta(days=30)
    # R-BOT2, the four-eyes restart of an enrollment: a request a second supervisor has not decided within this
    # time expires (the identity check in person it rests on grows old).
    restart_request_lifetime: timedelta = timedelta(hours=48)
    restart_reason_min_length: int = 20  # characters of the reason, spaces squeezed: a sentence, not "ok"
