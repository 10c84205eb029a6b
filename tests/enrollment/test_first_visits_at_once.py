"""Two first visits of one person at the same moment make one account (R-ID1): the visit whose account insert
finds the other's already there (ON CONFLICT DO NOTHING) carries on with that account."""

import pytest

from moncompte.accounts.models import Account
from moncompte.accounts.queries import provisional_account_insert
from moncompte.accounts.states import AccountState
from moncompte.enrollment import code_send

pytestmark = pytest.mark.django_db


def test_a_first_visit_that_finds_an_account_made_meanwhile_gets_that_account_with_its_own_address_R_ID1(
    beneficiary, now
):
    other = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert other is not None  # the other visit, committed between this one's read and its insert
    account = code_send._provisional_account(beneficiary, None, email="c.durand@example.fr", now=now)
    assert (account.pk, account.state) == (other.pk, AccountState.PROVISIONAL)
    assert Account.objects.get().code_email == "c.durand@example.fr"  # the code goes where this visit asked
