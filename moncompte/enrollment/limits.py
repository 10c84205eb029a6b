"""The rate limits of the identity step and of the codes and links it sends (R-SEC4); « Code oublié ? » counts
its codes with the same ones."""

from datetime import datetime, timedelta

from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.conf import conf
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


def codes_sent_per_nir_in_all() -> Limit:
    """A higher ceiling for one NIR, whoever asks: mail to a person is never sent without bound."""
    return Limit("code_sent_all", conf().code_max_sends_per_nir_per_hour, timedelta(hours=1))


def code_sends_left(*, nir: str, client: Client, now: datetime) -> timedelta | None:
    """None while one more code may be sent for `nir` to `client`; else how long until one may."""
    own = throttle.retry_after(codes_sent_per_nir(), key=f"{nir}|{client.address}", now=now)
    return own or throttle.retry_after(codes_sent_per_nir_in_all(), key=nir, now=now)


def code_send_count(*, nir: str, client: Client, now: datetime) -> None:
    throttle.hit(codes_sent_per_nir(), key=f"{nir}|{client.address}", now=now)
    throttle.hit(codes_sent_per_nir_in_all(), key=nir, now=now)


def link_cooldown() -> Limit:
    return Limit("email_link_cooldown", 1, conf().email_resend_cooldown)


def links_per_day() -> Limit:
    return Limit("email_link_daily", conf().email_resends_per_day, timedelta(days=1))
