"""The settings of the first visit: identity, provisional code, personal code, email links (R-CODE*, R-PW*,
R-ID*, R-EM*)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class JourneySettings:
    code_lifetime: timedelta = timedelta(minutes=30)  # R-CODE2: a provisional code
    # R-A11Y5 (WCAG 2.2.1): the restricted session warns before it ends and is extended in one action.
    restricted_extension: timedelta = timedelta(minutes=20)
    restricted_extensions_max: int = 10
    code_max_sends_per_hour: int = 3  # for one NIR to one client
    # R-LIM8: codes for one NIR to one address in a code's lifetime, whoever asks without a device of the
    # account: all still valid when the cap is reached (a new code voids none), so the person holds a working one.
    code_max_sends_per_address: int = 5
    device_lifetime: timedelta = timedelta(days=180)  # R-LIM8: a device cookie or token of the app
    device_code_sends_per_hour: int = 3  # R-LIM8: codes for one NIR that one device of its account asks
    identity_max_failures_per_nir: int = 5
    identity_max_failures_per_client: int = 20
    identity_failure_window: timedelta = timedelta(hours=1)
    personal_code_min_length: int = 8  # R-PW1: characters of a personal code
    personal_code_max_length: int = 50  # R-PW1: nothing longer (the strength estimate's cost grows with it)
    email_link_lifetime: timedelta = timedelta(days=7)  # R-EM6: a confirmation link
    email_forget_after: timedelta = timedelta(days=21)  # R-EM7: an address never confirmed is forgotten
    email_resend_cooldown: timedelta = timedelta(minutes=1)  # R-EM9
    email_resends_per_day: int = 5
    email_taken_per_day: int = 10

    def _check_journey(self) -> list[str]:
        problems = []
        if not 1 <= self.personal_code_min_length <= self.personal_code_max_length:
            problems.append("PERSONAL_CODE_MIN_LENGTH ≤ PERSONAL_CODE_MAX_LENGTH, et au moins 1")
        if not self.email_link_lifetime <= self.email_forget_after:
            problems.append("EMAIL_LINK_LIFETIME ≤ EMAIL_FORGET_AFTER")
        return problems
