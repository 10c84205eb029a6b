"""R-SEC1: where a signed-in person belongs, from the account's state; other pages send them there."""

from datetime import datetime

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


def signed_in_or_redirect(request: HttpRequest, *, now: datetime, page: str) -> tuple[int, HttpResponse | None]:
    """The signed-in account, or where to send the browser instead (sign-in, or the step the account is at)."""
    account_id = session.signed_in_account(request)
    if account_id is None:
        return 0, redirect("web:sign_in")
    target = landing_for(account_id)
    if target != reverse(page):
        return account_id, redirect(target)
    return account_id, None
