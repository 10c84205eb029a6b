"""R-SEC1: where a signed-in person belongs, from the account's state; other pages send them there."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.web import session

PAGE_FOR_STATE = {
    AccountState.PROVISIONAL: "web:sign_in",
    AccountState.CONTACT_PENDING: "web:contact",
    # R-EM8: while the email is unconfirmed, signing in shows the page of the current window, never the account.
    AccountState.EMAIL_PENDING: "web:email_pending",
    AccountState.ACTIVE: "web:account",
}


def landing_for(account_id: int) -> str:
    state = Account.objects.values_list("state", flat=True).get(pk=account_id)
    return reverse(PAGE_FOR_STATE[AccountState(state)])


SignedInView = Callable[[HttpRequest, int], HttpResponse]


def signed_in_page(page: str) -> Callable[[SignedInView], Callable[[HttpRequest], HttpResponse]]:
    """A page of the signed-in person at one step: others go to sign-in, or to the step their account is at.

    The view receives the account id after the request.
    """

    def decorate(view: SignedInView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest) -> HttpResponse:
            account_id = session.signed_in_account(request)
            if account_id is None:
                return redirect("web:sign_in")
            target = landing_for(account_id)
            if target != reverse(page):
                return redirect(target)
            return view(request, account_id)

        return guarded

    return decorate
