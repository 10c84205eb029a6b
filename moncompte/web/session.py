"""The web session, and the only module that reads or writes it: typed helpers, no raw keys elsewhere.

R-CODE4: signing in with a provisional code opens a restricted session that only lets the person choose
the personal code, and that ends when the code expires. R-SEC2: a new session key at every sign-in.
The session is stored as JSON: dates go in as ISO text and come out as datetimes here, nowhere else.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.http import HttpRequest
from django.middleware.csrf import get_token

from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.enrollment.provisional_codes import CodeSent
from moncompte.web.client_address import client_address

_RESTRICTED = "restricted"
_SIGNED_IN = "account_id"
_NOTICE = "notice"
_CODE_SENT = "code_sent"
_VALIDATION = "validation"


class Restricted(Enum):
    NONE = "none"
    EXPIRED = "expired"


@dataclass(frozen=True)
class RestrictedSession:
    account_id: int
    until: datetime
    epoch: int


@dataclass(frozen=True)
class SignedInSession:
    account_id: int
    epoch: int  # R-LIM5: the account's session epoch when it began; a new personal code ends it


def start_restricted(request: HttpRequest, *, account_id: int, until: datetime, epoch: int) -> None:
    request.session.flush()
    request.session[_RESTRICTED] = {"account_id": account_id, "until": until.isoformat(), "epoch": epoch}


def restricted_session(request: HttpRequest, *, now: datetime) -> RestrictedSession | Restricted:
    """The live restricted session; an expired one is ended here and reported as such."""
    data = request.session.get(_RESTRICTED)
    if not data:
        return Restricted.NONE
    until = datetime.fromisoformat(data["until"])
    if until <= now:
        request.session.flush()
        return Restricted.EXPIRED
    return RestrictedSession(account_id=int(data["account_id"]), until=until, epoch=int(data.get("epoch", -1)))


def restricted_extend(request: HttpRequest, *, now: datetime) -> datetime | None:
    """R-A11Y5: the person pushes the end of a live restricted session later, a bounded number of times.

    None when it cannot be extended any more (or has ended). The session already proves the provisional
    code was right, so more time gives nobody more than the person already holds.
    """
    live = restricted_session(request, now=now)
    if not isinstance(live, RestrictedSession):
        return None
    data = request.session[_RESTRICTED]
    extensions = int(data.get("extensions", 0))
    if extensions >= conf().restricted_extensions_max:
        return None
    until: datetime = now + conf().restricted_extension
    request.session[_RESTRICTED] = {**data, "until": until.isoformat(), "extensions": extensions + 1}
    return until


def start_signed_in(request: HttpRequest, account_id: int, *, epoch: int) -> None:
    request.session.flush()
    request.session[_SIGNED_IN] = {"account_id": account_id, "epoch": epoch}


def signed_in_session(request: HttpRequest) -> SignedInSession | None:
    value = request.session.get(_SIGNED_IN)
    if not isinstance(value, dict):
        return None
    return SignedInSession(account_id=int(value["account_id"]), epoch=int(value["epoch"]))


def end(request: HttpRequest) -> None:
    request.session.flush()


def notice_set(request: HttpRequest, text: str) -> None:
    """A one-time message for the next page (after a redirect)."""
    request.session[_NOTICE] = text


def notice_pop(request: HttpRequest) -> str:
    notice: str = request.session.pop(_NOTICE, "")
    return notice


@dataclass(frozen=True)
class CodeSentNotice:
    """What the "code sent" page tells: where the provisional code went, and until when it works."""

    email_masked: str
    expires_at: datetime


def code_sent_remember(request: HttpRequest, sent: CodeSent) -> None:
    request.session[_CODE_SENT] = {"email_masked": sent.email_masked, "expires_at": sent.expires_at.isoformat()}


def code_sent_recall(request: HttpRequest) -> CodeSentNotice | None:
    data = request.session.get(_CODE_SENT)
    if not data:
        return None
    return CodeSentNotice(email_masked=data["email_masked"], expires_at=datetime.fromisoformat(data["expires_at"]))


def validation_remember(request: HttpRequest, email_masked: str) -> None:
    """The masked address the confirmation link went to, for the "VALIDATION DE MON EMAIL" page."""
    request.session[_VALIDATION] = email_masked


def validation_recall(request: HttpRequest) -> str:
    masked: str = request.session.get(_VALIDATION, "")
    return masked


def captcha_binding(request: HttpRequest) -> str:
    """The secret of this browser that a CAPTCHA challenge is bound to (R-CAP4): the CSRF cookie's, which
    every form page sets anyway, so binding costs no session row. Only a digest of it goes into pages."""
    get_token(request)  # makes sure the browser has (and keeps) the cookie
    secret: str = request.META["CSRF_COOKIE"]
    return secret


def client_of(request: HttpRequest) -> Client:
    return Client(address=client_address(request), user_agent=request.headers.get("User-Agent", "")[:200])
