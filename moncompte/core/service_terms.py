"""The durations and counts a person is told about, in words, from the settings (R-SEC4, R-A11Y2).

Pages, emails and error messages take them from here, so changing a setting changes every sentence that
states it.
"""

from dataclasses import dataclass

from django.conf import settings

from moncompte.core.duration_phrases import duration_phrase


@dataclass(frozen=True)
class ServiceTerms:
    service_name: str  # "compte ameli"
    captcha_lifetime: str  # "5 minutes"
    code_lifetime: str  # "30 minutes"
    link_lifetime: str  # "7 jours"
    forget_after: str  # "21 jours"
    restricted_extension: str  # "20 minutes"


def service_terms() -> ServiceTerms:
    config = settings.MONCOMPTE
    return ServiceTerms(
        service_name=config["SERVICE_NAME"],
        captcha_lifetime=duration_phrase(config["CAPTCHA_LIFETIME"]),
        code_lifetime=duration_phrase(config["CODE_LIFETIME"]),
        link_lifetime=duration_phrase(config["EMAIL_LINK_LIFETIME"]),
        forget_after=duration_phrase(config["EMAIL_FORGET_AFTER"]),
        restricted_extension=duration_phrase(config["RESTRICTED_EXTENSION"]),
    )
