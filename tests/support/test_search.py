"""R-SUP4, R-SUP2: finding a person at the desk, at the level of the use case (mutmut's survivors in
support/search.py): by NIR as it is read out, by address, by number; each search audited with its reason."""

from datetime import date

import pytest

from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.registry.models import Beneficiary
from moncompte.support.actions import Staff
from moncompte.support.roles import Role
from moncompte.support.search import person_find, person_search
from tests import factories

pytestmark = pytest.mark.django_db
DESK = Client("10.1.2.3", "desk")
AGENT = Staff(username="agent.dupont", role=Role.AGENT, client=DESK)


def account_of(nir: str, now, *, code_email: str = "v@example.fr") -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="20000"
    )
    return Account.objects.create(
        beneficiary=person, state=AccountState.PROVISIONAL, created_at=now, code_email=code_email
    )


def test_a_corsican_nir_is_found_typed_in_either_case(now):
    account = account_of("185052A123456", now)
    assert person_find("1 85 05 2a 123 456") == person_find("185052A123456") == [account.pk]


def test_a_nir_whose_key_is_not_two_digits_finds_no_one(now):
    account_of("1850575056048", now)
    assert person_find("1850575056048") != []
    assert person_find("1850575056048XY") == []


def test_an_account_is_found_by_the_address_its_provisional_code_went_to_in_any_case(code_sent, now):
    assert not EmailAddress.objects.exists()  # no address given yet: only the one the code went to
    assert person_find("CAMILLE@Example.FR") == [Account.objects.get().pk]


def test_accounts_sharing_an_address_come_newest_first(now):
    older = account_of("1850575056048", now, code_email="partage@example.fr")
    newer = account_of("2840588321025", now, code_email="autre@example.fr")
    EmailAddress.objects.create(
        account=newer, address="partage@example.fr", canonical="partage@example.fr", created_at=now
    )
    assert person_find("partage@example.fr") == [newer.pk, older.pk]


def test_a_search_is_audited_from_the_desk_with_the_staff_member_and_how_many_it_found(code_sent, now):
    account = factories.with_link_sent(code_sent, now).account
    assert person_search(query="camille@example.fr", reason="appel de l'assurée", staff=AGENT, now=now) == [account.pk]
    searched = AuditEvent.objects.get(event="support_search")
    assert (searched.client_address, searched.details) == (
        DESK.address,
        {"staff": "agent.dupont", "reason": "appel de l'assurée", "found": "1"},
    )
