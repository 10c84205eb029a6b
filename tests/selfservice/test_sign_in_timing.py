"""R-LIM4 (issue 21, point 6): a wrong sign-in costs the same work whether or not the NIR has an account, so its
answer time tells nothing (bench/sign_in_timing.py measures the time itself, against a real server)."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary
from moncompte.selfservice.errors import SignInRejected
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db
NO_ACCOUNT = "1840575123456"


def tables_read(nir: str, now: datetime) -> list[str]:
    """The table of each statement a wrong sign-in with this NIR sends to the database, in order."""
    with CaptureQueriesContext(connection) as queries, pytest.raises(SignInRejected):
        sign_in(nir=nir_rules.parse(nir), secret="Mauvais-code-1234", client=CLIENT, now=now)
    return [re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', query["sql"])[0] for query in queries]


def test_a_wrong_code_reads_the_database_alike_for_a_nir_with_an_account_and_one_without_R_LIM4(code_sent, now):
    factories.active(code_sent, now)
    Beneficiary.objects.create(
        nir=NO_ACCOUNT, last_name="MARTIN", first_name="Paul", birth_date=date(1984, 5, 3), postal_code="75011"
    )
    # issue 21: an account's latest provisional code was read for accounts only, ~1 ms more over the network
    assert tables_read("2840588321025", now) == tables_read(NO_ACCOUNT, now)
