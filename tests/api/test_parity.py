"""R-API1: every error of the domain says the same French message on the web page and in the API's problem."""

import inspect
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory

import moncompte
from moncompte.api.v1 import domain_error
from moncompte.core.errors import DomainError
from moncompte.web.forms.base import AccessibleForm


def every_domain_error() -> list[type[DomainError]]:
    import pkgutil

    for module in pkgutil.walk_packages(moncompte.__path__, "moncompte."):
        if ".migrations" not in module.name and ".management" not in module.name:
            __import__(module.name)
    found, queue = [], [DomainError]
    while queue:
        for child in queue.pop().__subclasses__():
            found.append(child)
            queue.append(child)
    return found


def built(kind: type[DomainError]) -> DomainError:
    """An instance of each error, with the arguments its constructor asks for."""
    from moncompte.accounts.password_policy import Refusal
    from moncompte.accounts.states import AccountEvent, AccountState

    values: dict[str, Any] = {
        "retry_after": timedelta(minutes=5),
        "daily": False,
        "state": AccountState.ACTIVE,
        "event": AccountEvent.CONTACT_GIVEN,
        "refusals": [Refusal(rule="R-PW1", message="Votre code doit comporter entre 8 et 50 caractères.")],
        "errors": [DomainError("Votre code doit comporter entre 8 et 50 caractères.", field="password")],
    }
    parameters = [p for p in inspect.signature(kind.__init__).parameters.values() if p.name != "self"]
    positional = [values[p.name] for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD and p.name in values]
    keywords = {p.name: values[p.name] for p in parameters if p.kind is p.KEYWORD_ONLY and p.name in values}
    make: Any = kind  # each subclass has its own constructor
    error: DomainError = make(*positional, **keywords)
    return error


@pytest.mark.parametrize("kind", every_domain_error(), ids=lambda kind: kind.__name__)
def test_the_web_and_the_api_say_the_same_for_every_domain_error_R_API1(kind, db):
    error = built(kind)
    problem = json.loads(domain_error(RequestFactory().get("/api/v1/"), error).content)
    form = AccessibleForm(data={})
    form.is_valid()
    form.add_domain_error(error)
    shown = [message for messages in form.errors.values() for message in messages]
    assert problem["detail"] == error.message
    assert problem["code"] == error.code  # several refused at once: the first one's code
    assert error.message in shown
