"""The rate limits of signing in and of « Code oublié ? », built from settings (R-SEC4, R-LIM2)."""

from datetime import timedelta

from moncompte.core.conf import conf
from moncompte.core.throttle import Limit


def sign_in_attempts() -> Limit:
    """Sign-in attempts per NIR and client (personal_code reads the times, not just a count)."""
    return Limit("sign_in_attempt", conf().sign_in_max_failures_per_day, timedelta(days=1))


def sign_in_failures_per_client() -> Limit:
    return Limit("sign_in_client", conf().sign_in_max_failures_per_client, timedelta(hours=1))


def code_forgot_per_client() -> Limit:
    """« Code oublié ? » requests of one client, matched or not: the limit itself then tells nothing."""
    return Limit("code_forgot_client", conf().code_forgot_per_client, timedelta(hours=1))
