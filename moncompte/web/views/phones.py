"""« Modifier mes numéros de téléphone » (R-CT6): the numbers and their consents, as a pair."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from moncompte.accounts.steps import AccountStep
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.selfservice.phones import phones_change
from moncompte.selfservice.selectors import phones_of
from moncompte.web import session
from moncompte.web.forms.account import PhonesForm
from moncompte.web.routing import signed_in_page
from moncompte.web.views.common import FORM_METHODS


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.ACCOUNT)
def phones_change_page(request: HttpRequest, account_id: int) -> HttpResponse:
    current = phones_of(account_id=account_id)
    form = PhonesForm(request.POST or None, initial={"mobile": current.mobile, "landline": current.landline})
    if request.method == "POST" and form.is_valid():
        try:
            phones_change(
                account_id=account_id, phones=form.phones(), client=session.client_of(request), now=clock.now()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            session.notice_set(request, "Vos numéros de téléphone sont enregistrés.")
            return redirect("web:account")
    return render(request, "web/phones_change.html", {"form": form, "current": current})
