"""The settings of the emails: their sender, signing, delivery by the outbox (R-DLV*)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class MailSettings:
    from_name: str = "Votre Assurance Maladie"
    from_address: str = "ne-pas-repondre@moncompte.localhost"
    # R-DLV2: the domain of the per-message envelope senders (bounces+<id>-<mac>@…); the From domain if empty.
    bounce_domain: str = ""
    feedback_address: str = ""  # complaints (ARF); fbl@<bounce domain> if empty
    # R-DLV3: DKIM signing, on when a selector and a private key file are given.
    dkim_selector: str = ""
    dkim_private_key_file: str = ""
    dkim_domain: str = ""
    # A sender holds one message at a time under a lease of this many seconds, renewed every quarter of it while
    # it sends: a worker killed mid-send holds its message this long at most (R-DLV1).
    outbox_lease_seconds: int = 20
    # Issue 24: senders per worker process, each a thread with its own SMTP and database connections, claiming
    # one message at a time under the rules above: while one waits for its server's answer, the others send.
    # From two, the last one takes codes and links only (R-DLV5). A worker on SQLite (one writer at a time) has one.
    outbox_senders: int = 4
    # R-DLV1: a message the server got whole but did not answer for is not sent again before this.
    outbox_no_answer_hold: timedelta = timedelta(minutes=10)
    outbox_retry_base: timedelta = timedelta(seconds=10)
    outbox_retry_cap: timedelta = timedelta(hours=1)
    outbox_give_up_after: timedelta = timedelta(days=3)
    outbox_retention_days: int = 90  # delivered or given-up emails and their attempts are deleted after this
    outbox_idle_poll_seconds: float = 1.0
    # Issue 13: the web process that queued an email sends it right after its response (when EMAIL_URL is set);
    # the worker stays the safety net. MONCOMPTE_OUTBOX_SEND_AFTER_RESPONSE=0 leaves every email to the worker.
    outbox_send_after_response: bool = True
    # /sante/pret/ says "not ready" when an email has waited longer than this (the relay or the workers are down).
    ready_outbox_max_age: timedelta = timedelta(minutes=10)
    # R-DLV6: notifications per second per receiving provider (providers.py's names), "name=rate" items; a
    # provider not listed is not paced. Codes and links never are. To agree with each provider.
    outbox_pacing: tuple[str, ...] = (
        "orange=20",
        "sfr=20",
        "free=20",
        "laposte=10",
        "outlook=50",
        "yahoo=30",
        "gmail=100",
    )
    # R-DLV4: a provider is flagged when, on this many links at least, its confirmation rate is under this
    # percentage of the other providers' together.
    funnel_alert_min_links: int = 20
    funnel_alert_ratio_percent: int = 50

    def _check_mail(self) -> list[str]:
        if "@" not in self.from_address:
            return ["FROM_ADDRESS : une adresse mail"]
        if self.outbox_lease_seconds < 4:  # renewed every quarter of it, at least every second
            return ["OUTBOX_LEASE_SECONDS : 4 au moins"]
        if self.outbox_senders < 1:
            return ["OUTBOX_SENDERS : 1 au moins"]
        return _pacing_refused(self.outbox_pacing)


def _pacing_refused(items: tuple[str, ...]) -> list[str]:
    for item in items:
        name, _, rate = item.partition("=")
        try:
            readable = bool(name.strip()) and float(rate) > 0
        except ValueError:
            readable = False
        if not readable:
            return [f"OUTBOX_PACING : des « fournisseur=messages par seconde », un nombre > 0 (reçu : {item!r})"]
    return []
