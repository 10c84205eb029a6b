"""The settings of an account's later visits: sign-in, « Code oublié ? », the app's tokens (R-PW9, R-LIM*,
R-API*)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class AccountSettings:
    code_forgot_per_client: int = 10  # « Code oublié ? » requests an hour from one client
    code_forgot_min_seconds: float = 0.15  # « Code oublié ? » answers in this time at least, account or not (R-LIM4)
    sign_in_free_failures: int = 5
    sign_in_first_delay: timedelta = timedelta(minutes=2)
    sign_in_max_failures_per_day: int = 25
    sign_in_max_failures_per_client: int = 50
    app_access_lifetime: timedelta = timedelta(minutes=15)  # R-API2: an access token of the app
    app_refresh_lifetime: timedelta = timedelta(days=30)  # R-API2: a refresh token, and an unused app session
    # R-API2: a refresh (or restricted) token used again by the same client this soon after is a retry (a lost
    # answer, a double submit): the same answer again, not the revocation of the family (Auth0's reuse interval).
    app_token_retry_grace: timedelta = timedelta(seconds=30)

    def _check_account(self) -> list[str]:
        problems = []
        if self.app_access_lifetime > self.app_refresh_lifetime:
            problems.append("APP_ACCESS_LIFETIME ≤ APP_REFRESH_LIFETIME")
        if self.app_token_retry_grace >= self.app_access_lifetime:
            problems.append("APP_TOKEN_RETRY_GRACE < APP_ACCESS_LIFETIME")
        return problems
