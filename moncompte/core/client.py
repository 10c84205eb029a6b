from dataclasses import dataclass


@dataclass(frozen=True)
class Client:
    """Where a request comes from, as the domain and the audit log need it (never the request itself)."""

    address: str
    user_agent: str = ""
    channel: str = "web"  # "app" for the ameli app's API: written with each event of the audit log
