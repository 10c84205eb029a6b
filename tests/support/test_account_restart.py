"""The restart of an enrollment itself (R-BOT2, support/account_restart.py): what it ends, clears and dates, for
that account only."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.appsessions.models import AppSession
from moncompte.appsessions.tokens import session_open, session_revoke
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.provisional_codes import provisional_code_issue
from moncompte.outbox.models import OutboundEmail
from moncompte.registry.models import Beneficiary
from moncompte.support.account_restart import account_restart
from tests import factories

pytestmark = pytest.mark.django_db


def someone_else(now) -> Account:
    person = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
    )
    return Account.objects.create(beneficiary=person, created_at=now, code_email="v@example.fr")


def test_a_restart_clears_the_account_dates_it_and_ends_its_sessions_only(code_sent, now):
    journey = factories.active(code_sent, now)
    account = journey.account
    Account.objects.filter(pk=account.pk).update(landline="+33329000000")
    other = someone_else(now)
    provisional_code_issue(account=other, to="v@example.fr", now=now)
    provisional_code_issue(account=account, to="camille@example.fr", now=now)  # « Code oublié ? », unused
    mine = session_open(account_id=account.pk, device_name="iPhone", epoch=0, restricted_until=None, now=now)
    theirs = session_open(account_id=other.pk, device_name="Pixel", epoch=0, restricted_until=None, now=now)
    gone = session_open(account_id=account.pk, device_name="vieux", epoch=0, restricted_until=None, now=now)
    assert [t.refresh_token is not None for t in (mine, theirs, gone)] == [True, True, True]
    ended_before = AppSession.objects.get(device_name="vieux")
    session_revoke(session_id=ended_before.pk, because="signed_out", now=now)
    epoch = journey.refresh().session_epoch
    later = now + timedelta(hours=1)
    done = account_restart(account_id=account.pk, now=later)
    assert (done.account_id, done.app_sessions_ended, done.consents_withdrawn, done.told) == (
        account.pk,
        1,
        0,
        "c•••••e@example.fr",
    )
    account = journey.refresh()
    assert (account.state, account.state_changed_at, account.landline, account.session_epoch) == (
        AccountState.PROVISIONAL,
        later,
        "",
        epoch + 1,
    )
    unused = ProvisionalCode.objects.filter(account=account, used_at=None)
    assert list(unused.values_list("voided_at", flat=True)) == [later]
    assert ProvisionalCode.objects.get(account=other).voided_at is None
    sessions = dict(AppSession.objects.values_list("device_name", "revoked_because"))
    assert sessions == {"iPhone": "enrollment_restarted", "Pixel": "", "vieux": "signed_out"}
    assert OutboundEmail.objects.get(template="enrollment_restarted").account_id == account.pk


def test_a_restart_of_an_account_without_any_address_tells_nobody(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    Account.objects.filter(pk=journey.account.pk).update(code_email="")
    assert account_restart(account_id=journey.account.pk, now=now).told == ""
    assert not OutboundEmail.objects.filter(template="enrollment_restarted").exists()


def test_a_restart_reads_the_person_with_the_locked_account(code_sent, now):
    journey = factories.active(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        account_restart(account_id=journey.account.pk, now=now)
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []
