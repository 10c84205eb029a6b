"""The settings of the service as a whole: its name, its address, who may read its metrics."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    # R-A11Y6: the one name of the service, in the header, every page title and every email (the seed's).
    service_name: str = "compte ameli"
    # Issue 23: the number a refusal gives when nothing else works (the Assurance Maladie's, the seed's caisse).
    caisse_phone: str = "36 46"
    site_url: str = "http://127.0.0.1:8000"  # where links in emails lead
    # R-DLV4: /metrics answers these networks (the scraper's direct address), or a request with this token.
    metrics_networks: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_token: str = ""
    # R-A11Y6, R-API1: while the database or Redis does not answer, pages and the API answer 503 with this Retry-After.
    outage_retry_after: timedelta = timedelta(seconds=30)
    # R-A11Y6: a Redis that has not answered within this is out (a 503 at once), rather than a page held until
    # the server's own timeout kills the process.
    redis_timeout: timedelta = timedelta(seconds=2)

    def _check_service(self) -> list[str]:
        if not self.site_url.startswith(("http://", "https://")):
            return ["SITE_URL : une adresse http:// ou https://"]
        return []
