"""Sessions as the web layer keeps them.

R-CODE4: signing in with a provisional code opens a restricted session that only lets the person choose
the personal code, and that ends when the code expires.
"""

from datetime import datetime
from enum import Enum

from django.http import HttpRequest

from moncompte.core.client import Client

RESTRICTED = "restricted"


class Restricted(Enum):
    NONE = "none"
    EXPIRED = "expired"


def start_restricted(request: HttpRequest, *, account_id: int, until: datetime) -> None:
    request.session.flush()  # a new session key at sign-in (R-SEC2)
    request.session[RESTRICTED] = {"account_id": account_id, "until": until.isoformat()}


def restricted_account(request: HttpRequest, *, now: datetime) -> int | Restricted:
    """The account of a live restricted session; an expired one is ended here and reported as such."""
    data = request.session.get(RESTRICTED)
    if not data:
        return Restricted.NONE
    if datetime.fromisoformat(data["until"]) <= now:
        request.session.flush()
        return Restricted.EXPIRED
    return int(data["account_id"])


SIGNED_IN = "account_id"


def start_signed_in(request: HttpRequest, account_id: int) -> None:
    request.session.flush()  # a new session key at sign-in (R-SEC2)
    request.session[SIGNED_IN] = account_id


def signed_in_account(request: HttpRequest) -> int | None:
    value = request.session.get(SIGNED_IN)
    return int(value) if value is not None else None


def end(request: HttpRequest) -> None:
    request.session.flush()


def client_of(request: HttpRequest) -> Client:
    return Client(address=request.META.get("REMOTE_ADDR", ""), user_agent=request.headers.get("User-Agent", ""))
