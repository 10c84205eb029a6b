"""R-API2 at the level of the use cases: what each token opens, for how long, for whom; what a revocation and
the purge leave behind. Two people with their own devices, so that a change touching everyone's rows shows."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.appsessions.models import AppSession, AppToken, TokenKind
from moncompte.appsessions.tokens import (
    IssuedTokens,
    TokenRefused,
    access_expired,
    app_sessions_purge,
    bearer_of,
    device_revoke,
    session_continue,
    session_open,
    session_refresh,
    session_revoke,
    sessions_of,
)
from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.registry.models import Beneficiary
from tests.factories import CLIENT
from tests.helpers import NOW

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def account_make(nir: str) -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="DURAND", first_name="Camille", birth_date=date(1984, 5, 3), postal_code="88100"
    )
    return Account.objects.create(
        beneficiary=person, state=AccountState.ACTIVE, created_at=NOW, code_email="camille@example.fr"
    )


@pytest.fixture
def camille() -> Account:
    return account_make("2840588321025")


@pytest.fixture
def dominique() -> Account:
    return account_make("1750675111042")


def pair_open(account: Account, device: str = "iPhone") -> IssuedTokens:
    return session_open(account_id=account.pk, device_name=device, epoch=0, restricted_until=None, now=NOW)


def session_of(issued: IssuedTokens) -> AppSession:
    bearer = bearer_of(value=issued.access_token, now=NOW)
    assert bearer is not None
    return AppSession.objects.get(pk=bearer.session_id)


def test_each_token_names_its_kind_and_carries_256_random_bits(camille):
    issued = pair_open(camille)
    assert issued.access_token.startswith("mca_")
    assert issued.refresh_token is not None
    assert issued.refresh_token.startswith("mcr_")
    assert len(issued.access_token) == len("mca_") + 43  # 32 random bytes, base64url without padding


def test_a_pair_is_for_the_account_unrestricted_and_lives_15_minutes(camille):
    issued = pair_open(camille)
    assert (issued.account_id, issued.expires_in, issued.restricted) == (camille.pk, 15 * 60, False)
    assert issued.restricted is False


def test_the_provisional_code_s_session_lasts_until_the_code_expires_and_has_no_refresh_token(camille):
    issued = session_open(
        account_id=camille.pk, device_name="Pixel", epoch=0, restricted_until=NOW + timedelta(minutes=20), now=NOW
    )
    assert (issued.account_id, issued.expires_in, issued.refresh_token, issued.restricted) == (
        camille.pk,
        20 * 60,
        None,
        True,
    )
    assert AppToken.objects.get().kind == TokenKind.RESTRICTED


def test_tokens_that_replace_no_spent_token_are_drawn_anew_for_each_session(camille, dominique):
    """Only a pair that replaces a spent token is derived from it (R-API2): two sessions of the provisional code,
    or two continued after a personal code changed on the web, never share a token."""
    until = NOW + timedelta(minutes=20)
    restricted = [
        session_open(account_id=person.pk, device_name="Pixel", epoch=0, restricted_until=until, now=NOW)
        for person in (camille, dominique)
    ]
    assert restricted[0].access_token != restricted[1].access_token
    continued = [session_continue(session_id=session_of(issued).pk, epoch=1, now=NOW) for issued in restricted]
    assert continued[0].access_token != continued[1].access_token


def test_an_access_token_is_said_expired_from_its_last_instant_and_a_restricted_one_never(camille):
    """A refused request says « refresh » (token_expired) only for an access token: the provisional code's session
    has no refresh token to save it."""
    issued = pair_open(camille)
    assert access_expired(value=issued.access_token, now=NOW + timedelta(minutes=15) - timedelta(seconds=1)) is False
    assert access_expired(value=issued.access_token, now=NOW + timedelta(minutes=15)) is True
    until = NOW + timedelta(minutes=20)
    restricted = session_open(account_id=camille.pk, device_name="Pixel", epoch=0, restricted_until=until, now=NOW)
    assert access_expired(value=restricted.access_token, now=until) is False


def test_the_device_name_is_cut_to_100_characters_and_a_blank_one_is_appareil(camille):
    session_open(account_id=camille.pk, device_name="P" * 150, epoch=0, restricted_until=None, now=NOW)
    session_open(account_id=camille.pk, device_name="", epoch=0, restricted_until=None, now=NOW)
    assert sorted(AppSession.objects.values_list("device_name", flat=True)) == ["P" * 100, "appareil"]


def test_a_refresh_token_opens_nothing_but_a_refresh(camille):
    issued = pair_open(camille)
    assert issued.refresh_token is not None
    assert bearer_of(value=issued.refresh_token, now=NOW) is None


def sessions_read_alone(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "appsessions_appsession"')]


def test_the_bearer_s_session_comes_with_its_token_not_in_a_query_of_its_own(camille):
    issued = pair_open(camille)
    with CaptureQueriesContext(connection) as queries:
        assert bearer_of(value=issued.access_token, now=NOW) is not None
    assert sessions_read_alone(queries) == []


def test_last_used_is_written_at_most_once_a_minute_and_only_for_that_device(camille):
    issued, other = pair_open(camille), pair_open(camille, "tablette")
    bearer_of(value=issued.access_token, now=NOW + MINUTE)
    assert session_of(issued).last_used_at == NOW  # within the minute: no write
    bearer_of(value=issued.access_token, now=NOW + MINUTE + timedelta(seconds=1))
    assert session_of(issued).last_used_at == NOW + MINUTE + timedelta(seconds=1)
    assert session_of(other).last_used_at == NOW


def test_a_refresh_reads_the_session_with_its_token_not_in_a_query_of_its_own(camille):
    issued = pair_open(camille)
    assert issued.refresh_token is not None
    with CaptureQueriesContext(connection) as queries:
        session_refresh(refresh_token=issued.refresh_token, client=CLIENT, now=NOW)
    assert sessions_read_alone(queries) == []


def test_only_a_live_refresh_token_refreshes(camille):
    issued = pair_open(camille)
    assert issued.refresh_token is not None
    for refused in ("mcr_not-a-token", issued.access_token):
        with pytest.raises(TokenRefused):
            session_refresh(refresh_token=refused, client=CLIENT, now=NOW)
    with pytest.raises(TokenRefused):  # 30 days to the second: already over
        session_refresh(refresh_token=issued.refresh_token, client=CLIENT, now=NOW + timedelta(days=30))


def test_refreshing_one_device_leaves_the_other_devices_signed_in(camille):
    issued, other = pair_open(camille), pair_open(camille, "tablette")
    assert issued.refresh_token is not None
    session_refresh(refresh_token=issued.refresh_token, client=CLIENT, now=NOW)
    assert bearer_of(value=other.access_token, now=NOW) is not None
    assert bearer_of(value=issued.access_token, now=NOW) is None


def test_a_reused_refresh_token_revokes_its_session_and_says_so_in_the_audit_log(camille):
    issued = pair_open(camille)
    session = session_of(issued)
    assert issued.refresh_token is not None
    session_refresh(refresh_token=issued.refresh_token, client=CLIENT, now=NOW)
    thief = Client(address="198.51.100.66", user_agent="curl")
    with pytest.raises(TokenRefused):
        session_refresh(refresh_token=issued.refresh_token, client=thief, now=NOW)
    session.refresh_from_db()
    assert (session.revoked_at, session.revoked_because) == (NOW, "refresh_reused")
    event = AuditEvent.objects.get(event="app_refresh_reused")
    assert (event.account_id, event.client_address) == (camille.pk, thief.address)


def test_choosing_the_personal_code_ends_the_restricted_session_with_that_reason(camille):
    restricted = session_open(
        account_id=camille.pk, device_name="Pixel", epoch=0, restricted_until=NOW + timedelta(minutes=20), now=NOW
    )
    ended = session_of(restricted)
    session_continue(session_id=ended.pk, epoch=1, now=NOW)
    ended.refresh_from_db()
    assert (ended.revoked_at, ended.revoked_because) == (NOW, "personal_code_chosen")


def test_a_revocation_keeps_its_first_time_and_reason_and_touches_no_other_session(camille, dominique):
    issued, theirs = pair_open(camille), pair_open(dominique)
    session = session_of(issued)
    session_revoke(session_id=session.pk, because="signed_out", now=NOW)
    session_revoke(session_id=session.pk, because="refresh_reused", now=NOW + MINUTE)
    session.refresh_from_db()
    assert (session.revoked_at, session.revoked_because) == (NOW, "signed_out")
    assert bearer_of(value=theirs.access_token, now=NOW + MINUTE) is not None


def test_a_revocation_leaves_tokens_already_expired_as_they_were(camille):
    issued = pair_open(camille)
    session = session_of(issued)
    later = NOW + timedelta(hours=1)
    session_revoke(session_id=session.pk, because="signed_out", now=later)
    expiries = dict(AppToken.objects.values_list("kind", "expires_at"))
    assert expiries == {TokenKind.ACCESS: NOW + timedelta(minutes=15), TokenKind.REFRESH: later}


def test_mes_appareils_lists_only_the_person_s_own_live_sessions(camille, dominique):
    kept, ended = pair_open(camille), pair_open(camille, "tablette")
    pair_open(dominique, "téléphone de Dominique")
    session_revoke(session_id=session_of(ended).pk, because="signed_out", now=NOW)
    assert [s.device_name for s in sessions_of(account_id=camille.pk, now=NOW)] == [session_of(kept).device_name]


def test_ending_a_device_from_the_web_is_audited_and_said_once(camille):
    session = session_of(pair_open(camille))
    assert device_revoke(account_id=camille.pk, session_id=session.pk, now=NOW) is True
    session.refresh_from_db()
    assert (session.revoked_at, session.revoked_because) == (NOW, "revoked_from_web")
    event = AuditEvent.objects.get(event="app_session_revoked")
    assert (event.account_id, event.details) == (camille.pk, {"device": str(session.pk)})
    assert device_revoke(account_id=camille.pk, session_id=session.pk, now=NOW) is False  # already ended
    assert AuditEvent.objects.filter(event="app_session_revoked").count() == 1


def test_ending_a_device_that_is_not_there_ends_nothing(camille):
    session = session_of(pair_open(camille))
    assert device_revoke(account_id=camille.pk, session_id=session.pk + 1, now=NOW) is False
    assert not AuditEvent.objects.filter(event="app_session_revoked").exists()


def test_a_session_is_kept_30_days_after_its_revocation_even_when_its_tokens_expired_before(camille):
    issued = session_open(
        account_id=camille.pk, device_name="iPhone", epoch=0, restricted_until=None, now=NOW - timedelta(days=61)
    )
    assert issued.refresh_token is not None
    session = AppSession.objects.get()
    session_revoke(session_id=session.pk, because="signed_out", now=NOW - timedelta(days=10))
    assert app_sessions_purge(now=NOW) == 0
    assert app_sessions_purge(now=NOW + timedelta(days=21)) == 1
