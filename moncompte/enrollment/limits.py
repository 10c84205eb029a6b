"""The rate limits of the enrollment journey, built from settings (R-SEC4)."""

from datetime import timedelta

from django.conf import settings

from moncompte.core.throttle import Limit


def identity_failures_per_nir() -> Limit:
    config = settings.MONCOMPTE
    return Limit("identity_nir", config["IDENTITY_MAX_FAILURES_PER_NIR"], config["IDENTITY_FAILURE_WINDOW"])


def identity_failures_per_client() -> Limit:
    config = settings.MONCOMPTE
    return Limit(
        "identity_client", config["IDENTITY_MAX_FAILURES_PER_CLIENT"], config["IDENTITY_FAILURE_WINDOW"]
    )


def codes_sent_per_nir() -> Limit:
    return Limit("code_sent", settings.MONCOMPTE["CODE_MAX_SENDS_PER_HOUR"], timedelta(hours=1))
