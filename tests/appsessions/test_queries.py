"""The hand-written SQL of the app's sessions (appsessions/queries.py), on SQLite and on PostgreSQL (this file
runs on both): « Mes appareils » lists exactly the sessions that still work, in one statement."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.appsessions.models import AppSession, AppToken, TokenKind
from moncompte.appsessions.queries import LiveSession, live_sessions_of
from moncompte.appsessions.tokens import session_open
from moncompte.registry.models import Beneficiary
from tests.helpers import NOW

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def account_make(nir: str) -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="DURAND", first_name="Camille", birth_date=date(1984, 5, 3), postal_code="88100"
    )
    return Account.objects.create(
        beneficiary=person, state=AccountState.ACTIVE, created_at=NOW, code_email="camille@example.fr"
    )


def opened(account: Account, device: str, *, used: timedelta = timedelta(0), epoch: int = 0) -> AppSession:
    session_open(account_id=account.pk, device_name=device, epoch=epoch, restricted_until=None, now=NOW)
    session = AppSession.objects.latest("id")
    AppSession.objects.filter(pk=session.pk).update(last_used_at=NOW + used)
    return session


def test_mes_appareils_lists_the_live_sessions_last_used_first_with_their_names_and_dates():
    camille = account_make("2840588321025")
    phone = opened(camille, "iPhone", used=HOUR)
    tablet = opened(camille, "tablette", used=2 * HOUR)
    with CaptureQueriesContext(connection) as queries:
        live = live_sessions_of(account_id=camille.pk, now=NOW + 3 * HOUR)
    assert len(queries) == 1
    assert live == [
        LiveSession(id=tablet.pk, device_name="tablette", created_at=NOW, last_used_at=NOW + 2 * HOUR),
        LiveSession(id=phone.pk, device_name="iPhone", created_at=NOW, last_used_at=NOW + HOUR),
    ]


def test_a_session_revoked_of_an_ended_epoch_without_a_usable_token_or_someone_else_s_is_not_listed():
    camille, dominique = account_make("2840588321025"), account_make("1750675111042")
    kept = opened(camille, "iPhone")
    revoked = opened(camille, "révoquée")
    AppSession.objects.filter(pk=revoked.pk).update(revoked_at=NOW)
    opened(camille, "époque passée", epoch=1)  # R-LIM5: the account's epoch is 0 here, then 1
    spent = opened(camille, "jetons usés")
    AppToken.objects.filter(session=spent, kind=TokenKind.REFRESH).update(used_at=NOW)  # the access token expires
    opened(dominique, "téléphone de Dominique")
    later = NOW + timedelta(minutes=20)  # access tokens over, refresh tokens live
    assert [each.id for each in live_sessions_of(account_id=camille.pk, now=later)] == [kept.pk]
    Account.objects.filter(pk=camille.pk).update(session_epoch=1)
    assert [each.device_name for each in live_sessions_of(account_id=camille.pk, now=later)] == ["époque passée"]
    assert live_sessions_of(account_id=camille.pk, now=NOW + timedelta(days=31)) == []  # every token expired
