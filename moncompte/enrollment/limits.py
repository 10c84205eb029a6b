"""The rate limits of the enrollment journey, built from settings (R-SEC4)."""

from datetime import timedelta

from django.conf import settings

from moncompte.core.throttle import Limit


def identity_failures_per_nir() -> Limit:
    config = settings.MONCOMPTE
    return Limit("identity_nir", config["IDENTITY_MAX_FAILURES_PER_NIR"], config["IDENTITY_FAILURE_WINDOW"])


def identity_failures_per_client() -> Limit:
    config = settings.MONCOMPTE
    return Limit("identity_client", config["IDENTITY_MAX_FAILURES_PER_CLIENT"], config["IDENTITY_FAILURE_WINDOW"])


def codes_sent_per_nir() -> Limit:
    return Limit("code_sent", settings.MONCOMPTE["CODE_MAX_SENDS_PER_HOUR"], timedelta(hours=1))


def link_cooldown() -> Limit:
    return Limit("email_link_cooldown", 1, settings.MONCOMPTE["EMAIL_RESEND_COOLDOWN"])


def links_per_day() -> Limit:
    return Limit("email_link_daily", settings.MONCOMPTE["EMAIL_RESENDS_PER_DAY"], timedelta(days=1))


def sign_in_failures_per_day() -> Limit:
    return Limit("sign_in_daily", settings.MONCOMPTE["SIGN_IN_MAX_FAILURES_PER_DAY"], timedelta(days=1))


def sign_in_failures_per_client() -> Limit:
    return Limit("sign_in_client", settings.MONCOMPTE["SIGN_IN_MAX_FAILURES_PER_CLIENT"], timedelta(hours=1))
