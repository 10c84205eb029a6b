"""R-SEC1: where a person belongs, from the account's state; guarded pages send everyone else there."""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Final

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from moncompte.accounts.selectors import session_standing_of
from moncompte.accounts.states import AccountState
from moncompte.accounts.steps import AccountStep, step_of
from moncompte.core import clock
from moncompte.web import session

# Each step's page (the table of steps is the domain's: accounts.steps). Choosing the personal code needs the
# restricted session of a provisional code: a person signed in otherwise signs in with one.
PAGE_OF_STEP: Final[Mapping[AccountStep, str]] = {
    AccountStep.CHOOSE_PERSONAL_CODE: "web:sign_in",
    AccountStep.GIVE_CONTACT_DETAILS: "web:contact",
    # R-EM8: while the email is unconfirmed, signing in shows the page of the current window, never the account.
    AccountStep.CONFIRM_EMAIL: "web:email_pending",
    AccountStep.ACCOUNT: "web:account",
}


# R-MSG3: set on a page of an active account (already checked above, no second query), read by the header.
ACCOUNT_PAGE_KEY = "moncompte.account_page_of"


def account_page_of(request: HttpRequest) -> int | None:
    """The account whose page this request shows, once signed_in_page(AccountStep.ACCOUNT) let it through."""
    found = request.META.get(ACCOUNT_PAGE_KEY)
    return found if isinstance(found, int) else None


def landing_at(state: AccountState) -> str:
    """Where an account in `state` lands, when the caller already read the state."""
    return reverse(PAGE_OF_STEP[step_of(state)])


SignedInView = Callable[[HttpRequest, int], HttpResponse]
RestrictedView = Callable[[HttpRequest, session.RestrictedSession], HttpResponse]


def signed_in_page(step: AccountStep) -> Callable[[SignedInView], Callable[[HttpRequest], HttpResponse]]:
    """A page of the signed-in person at one step: others go to sign-in, or to the step their account is at.

    The view receives the account id after the request.
    """

    def decorate(view: SignedInView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest) -> HttpResponse:
            signed = session.signed_in_session(request)
            standing = session_standing_of(account_id=signed.account_id) if signed else None
            if signed is None or standing is None or standing.epoch != signed.epoch:
                session.end(request)  # R-LIM5: a session of an ended epoch (the personal code changed) is over
                return redirect("web:sign_in")
            if step_of(standing.state) is not step:
                return redirect(landing_at(standing.state))
            if step is AccountStep.ACCOUNT:
                request.META[ACCOUNT_PAGE_KEY] = signed.account_id  # the header counts its unread messages
            return view(request, signed.account_id)

        return guarded

    return decorate


def restricted_page(view: RestrictedView) -> Callable[[HttpRequest], HttpResponse]:
    """R-CODE4: a page only a restricted session (signed in with a provisional code) reaches, until it ends."""

    @wraps(view)
    def guarded(request: HttpRequest) -> HttpResponse:
        restricted = session.restricted_session(request, now=clock.now())
        if restricted is session.Restricted.EXPIRED:
            return redirect(reverse("web:sign_in") + "?expire=1")
        if restricted is session.Restricted.NONE:
            return redirect("web:sign_in")
        standing = session_standing_of(account_id=restricted.account_id)
        if standing is None or standing.epoch != restricted.epoch:  # R-LIM5: the personal code changed since
            session.end(request)
            return redirect("web:sign_in")
        return view(request, restricted)

    return guarded


def no_referrer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """R-SEC2: a page whose URL holds a token never sends it on in a Referer header."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped
