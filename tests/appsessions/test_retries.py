"""R-API2: an app that retries a refresh (its answer lost on the way) with the same token, from the same client,
within the grace period (APP_TOKEN_RETRY_GRACE, 30 s) gets the same answer and stays signed in; the same token from
another client, after the grace period, or once the first answer's pair was used, still revokes the family."""

import dataclasses
from datetime import timedelta

import pytest

from moncompte.appsessions.tokens import IssuedTokens, TokenRefused, bearer_of, session_refresh
from moncompte.core.client import Client
from tests.appsessions.test_tokens import account_make, pair_open
from tests.factories import CLIENT
from tests.helpers import NOW

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


@pytest.fixture
def issued() -> IssuedTokens:
    return pair_open(account_make("2840588321025"))


def refresh(issued: IssuedTokens, *, client: Client = CLIENT, at=NOW) -> IssuedTokens:
    assert issued.refresh_token is not None
    return session_refresh(refresh_token=issued.refresh_token, client=client, now=at)


def test_a_retried_refresh_within_the_grace_period_gets_the_same_answer_R_API2(issued):
    first = refresh(issued)
    retried = refresh(issued, at=NOW + 29 * SECOND)
    assert retried == dataclasses.replace(first, expires_in=first.expires_in - 29)  # the same account, not restricted
    assert bearer_of(value=first.access_token, now=NOW + 30 * SECOND) is not None
    third = refresh(first, at=NOW + 31 * SECOND)  # the app goes on with the answer it finally got
    assert bearer_of(value=third.access_token, now=NOW + 31 * SECOND) is not None


@pytest.mark.parametrize(
    "late_or_elsewhere",
    [
        {"at": NOW + 31 * SECOND},
        {"client": Client(address="198.51.100.66", user_agent=CLIENT.user_agent)},
        {"client": Client(address=CLIENT.address, user_agent="curl/8.5")},
    ],
)
def test_a_refresh_token_reused_late_or_from_another_client_still_revokes_the_family_R_API2(issued, late_or_elsewhere):
    first = refresh(issued)
    with pytest.raises(TokenRefused):
        refresh(issued, **late_or_elsewhere)
    assert bearer_of(value=first.access_token, now=NOW) is None


def test_once_the_new_pair_was_used_the_old_refresh_token_is_a_copy_R_API2(issued):
    first = refresh(issued)
    second = refresh(first, at=NOW + SECOND)
    with pytest.raises(TokenRefused):
        refresh(issued, at=NOW + 2 * SECOND)
    assert bearer_of(value=second.access_token, now=NOW + 2 * SECOND) is None


def test_the_pair_that_replaces_a_spent_token_has_the_prefixes_of_its_kinds_and_two_secrets_R_API2(issued):
    first = refresh(issued)
    assert first.refresh_token is not None
    assert (first.access_token[:4], first.refresh_token[:4]) == ("mca_", "mcr_")
    assert first.access_token[4:] != first.refresh_token[4:]  # an access token seen tells nothing of its refresh


def test_the_grace_period_is_a_setting_R_API2_R_SEC4(issued, settings):
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, app_token_retry_grace=timedelta(0))
    refresh(issued)
    with pytest.raises(TokenRefused):
        refresh(issued)
