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

    def _check_account(self) -> list[str]:
        if self.app_access_lifetime > self.app_refresh_lifetime:
            return ["APP_ACCESS_LIFETIME ≤ APP_REFRESH_LIFETIME"]
        return []
