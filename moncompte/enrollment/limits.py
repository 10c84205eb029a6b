"""The rate limits of the identity step and of the codes and links it sends (R-SEC4); « Code oublié ? » counts
its codes with the same ones."""

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from moncompte.accounts.emails import mailbox_of
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.outage import SERVICE_OUT
from moncompte.core.throttle import Limit


def identity_failures_per_nir() -> Limit:
    config = conf()
    return Limit("identity_nir", config.identity_max_failures_per_nir, config.identity_failure_window)


def identity_failures_per_client() -> Limit:
    config = conf()
    return Limit("identity_client", config.identity_max_failures_per_client, config.identity_failure_window)


def codes_sent_per_nir() -> Limit:
    """R-CODE5: codes sent for one NIR to one client; anybody else asking does not use the person's share."""
    return Limit("code_sent", conf().code_max_sends_per_hour, timedelta(hours=1))


def codes_sent_per_address() -> Limit:
    """R-LIM8: codes for one NIR to one address, whoever asks without a device of the account, counted over a
    code's lifetime: when it is reached, every code it counted still works (a new code voids none), so nobody
    who knows a NIR can keep its person from a working code; and the person's mailbox gets this many at most."""
    config = conf()
    return Limit("code_sent_address", config.code_max_sends_per_address, config.code_lifetime)


def code_address_key(*, nir: str, to: str) -> str:
    """The key of codes_sent_per_address: the NIR and the mailbox the address reaches ("+tags" and Gmail's dots
    aside), so that spellings of one mailbox share its bound."""
    return f"{nir}|{mailbox_of(to)}"


def codes_sent_per_device() -> Limit:
    """R-LIM8: codes for one NIR asked by one device of its account: its holder's own cap, used up by nobody else."""
    return Limit("code_sent_device", conf().device_code_sends_per_hour, timedelta(hours=1))


def _keys(*, nir: str, client: Client, to: str, device: int | None) -> list[tuple[Limit, str]]:
    """The caps a code for `nir` to `to` counts against: a device's own, or those of anybody (R-LIM8)."""
    if device is not None:
        return [(codes_sent_per_device(), f"{nir}|device:{device}")]
    return [
        (codes_sent_per_nir(), f"{nir}|{client.address}"),
        (codes_sent_per_address(), code_address_key(nir=nir, to=to)),
    ]


def code_sends_left(*, nir: str, client: Client, to: str, device: int | None, now: datetime) -> timedelta | None:
    """None while one more code may be sent for `nir` to `to` at this request; else how long until one may."""
    return throttle.first_retry_after(_keys(nir=nir, client=client, to=to, device=device), now=now)


@contextmanager
def code_send_counted(
    *, nir: str, client: Client, to: str, device: int | None, now: datetime
) -> Iterator[timedelta | None]:
    """Counts one code first, then checks (R-LIM3): parallel requests see each other, so none slips past a cap
    (the identity step holds no lock). One too many is taken back, and how long to wait is given to the block.
    A code the block did not send (a refusal, the database out, its transaction rolled back) is taken back too:
    a failure of ours never counts against the person (R-LIM2)."""
    counted: list[tuple[Limit, str, str]] = []
    for limit, key in _keys(nir=nir, client=client, to=to, device=device):
        event, times = throttle.hit_then_times(limit, key=key, now=now)
        counted.append((limit, key, event))
        if len(times) > limit.max_events:
            throttle.unhit_each(counted)
            yield times[-limit.max_events - 1] + limit.window - now
            return
    try:
        yield None
    except BaseException:
        with contextlib.suppress(*SERVICE_OUT):  # Redis out too: the counts expire with their window
            throttle.unhit_each(counted)
        raise


def link_cooldown() -> Limit:
    return Limit("email_link_cooldown", 1, conf().email_resend_cooldown)


def links_per_day() -> Limit:
    return Limit("email_link_daily", conf().email_resends_per_day, timedelta(days=1))
