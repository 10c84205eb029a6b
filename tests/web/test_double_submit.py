"""Two submits of one form racing each other (a double click, two tabs) end on a page, never a server error."""

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from tests.factories import PERSONAL_CODE

NIR = "2 84 05 88 321 025 32"


# The personal code step's read of the account with its person (enrollment/queries.py, account_with_person).
ACCOUNT_READ = 'FROM "accounts_account" a JOIN "registry_beneficiary" b'


def paused_after_reading_the_account(barrier: threading.Barrier, pauses: list[str]):
    """Holds each request right after it read the account, until the other one has read it too: both then
    act on the state they read, as two requests do when they arrive together. Each pause is noted in `pauses`:
    a test whose requests never paused would only be a race that happened to pass."""
    paused = threading.local()

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if ACCOUNT_READ in sql and not getattr(paused, "done", False):
            paused.done = True
            pauses.append(threading.current_thread().name)
            barrier.wait(timeout=10)
        return result

    return wrapper


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_of_the_personal_code_form_lands_both_on_the_contact_step(code_sent, traveller):
    first = HttpClient()
    first.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    second = HttpClient()
    second.cookies = first.cookies  # the same browser session, submitted twice
    barrier = threading.Barrier(2)
    answers: dict[str, tuple[int, str] | str] = {}  # (status, Location), or what the request raised
    pauses: list[str] = []

    def submit(name: str, client: HttpClient) -> None:
        try:
            with connection.execute_wrapper(paused_after_reading_the_account(barrier, pauses)):
                data = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
                response = client.post(reverse("web:choose_password"), data)
                answers[name] = (response.status_code, response.get("Location", ""))
        except Exception as error:
            answers[name] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n, c)) for n, c in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    contact = reverse("web:contact")
    assert len(pauses) == 2  # both read the account before either went on
    assert answers == {"first": (302, contact), "second": (302, contact)}
    assert Account.objects.get().state == AccountState.CONTACT_PENDING
