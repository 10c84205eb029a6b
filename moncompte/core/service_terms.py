"""The durations and counts a person is told about, in words, from the settings (R-SEC4, R-A11Y2).

Pages, emails and error messages take them from here, so changing a setting changes every sentence that
states it.
"""

from dataclasses import dataclass

from moncompte.core.conf import conf
from moncompte.core.duration_phrases import duration_phrase


@dataclass(frozen=True)
class ServiceTerms:
    service_name: str  # "compte ameli"
    caisse_phone: str  # "36 46"
    captcha_lifetime: str  # "5 minutes"
    code_lifetime: str  # "30 minutes"
    link_lifetime: str  # "7 jours"
    forget_after: str  # "21 jours"
    restricted_extension: str  # "20 minutes"
    personal_code_min: int  # 8 characters
    personal_code_max: int  # 50 characters
    support_reason_min: int  # 5 characters


def service_terms() -> ServiceTerms:
    config = conf()
    return ServiceTerms(
        service_name=config.service_name,
        caisse_phone=config.caisse_phone,
        captcha_lifetime=duration_phrase(config.captcha_lifetime),
        code_lifetime=duration_phrase(config.code_lifetime),
        link_lifetime=duration_phrase(config.email_link_lifetime),
        forget_after=duration_phrase(config.email_forget_after),
        restricted_extension=duration_phrase(config.restricted_extension),
        personal_code_min=config.personal_code_min_length,
        personal_code_max=config.personal_code_max_length,
        support_reason_min=config.support_reason_min_length,
    )
