"""R-CT1, R-EM2: the contact details sent twice at once (a double click, two tabs) on PostgreSQL. Each request
reads the account locked: the second waits for the first to commit, then reads what the first wrote. One address,
one link sent, by the request that came first; the second is told the link has just left, never a server error.
(Without the lock the end is the same but served backwards: the first request, overtaken, does its work for
nothing and is the one refused.)"""

import threading
import time

import pytest
from django.db import connection

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.core.errors import DomainError
from moncompte.enrollment.contact_submit import contact_submit
from tests import factories
from tests.factories import CLIENT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]
# The contact step's read of the account with its person (enrollment/queries.py, account_with_person).
ACCOUNT_READ = 'FROM "accounts_account" a JOIN "registry_beneficiary" b'


def test_contact_details_sent_twice_at_once_give_one_address_and_one_link_R_CT1_R_EM2(code_sent, now, traveller):
    account_id = factories.with_personal_code(code_sent, now).account.pk
    first_read = threading.Event()
    outcomes: dict[str, str] = {}

    def holds_after_its_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if ACCOUNT_READ in sql and threading.current_thread().name == "first":
            first_read.set()
            time.sleep(0.5)  # the second arrives meanwhile
        return result

    def submit() -> None:
        try:
            with connection.execute_wrapper(holds_after_its_read):
                contact_submit(account_id=account_id, details=factories.details(), client=CLIENT, now=now)
            outcomes[threading.current_thread().name] = "sent"
        except DomainError as refused:
            outcomes[threading.current_thread().name] = type(refused).__name__
        except Exception as error:
            outcomes[threading.current_thread().name] = f"erreur : {error!r}"
        finally:
            connection.close()

    first = threading.Thread(target=submit, name="first")
    first.start()
    assert first_read.wait(timeout=10)
    second = threading.Thread(target=submit, name="second")
    second.start()
    for thread in (first, second):
        thread.join(timeout=30)

    # The first to arrive is served; the second, which waited, is told the link has just left (never a 500).
    assert outcomes == {"first": "sent", "second": "LinkResendLimited"}
    assert EmailAddress.objects.filter(account_id=account_id).count() == 1
    assert EmailLink.objects.filter(account_id=account_id).count() == 1
    assert Account.objects.get(pk=account_id).state == AccountState.EMAIL_PENDING
