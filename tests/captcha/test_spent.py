"""The register of single-use tokens (R-CAP2, R-CAP4): one row per answer, kept while the token could still be
answered, then purged by the worker."""

from datetime import timedelta

import pytest

from moncompte.captcha.models import SpentToken
from moncompte.captcha.spent import spent_tokens_purge, token_spend

pytestmark = pytest.mark.django_db


def test_a_token_is_spent_once_R_CAP2(now):
    assert token_spend(kind="challenge", token="n1", expires_at=now)
    assert not token_spend(kind="challenge", token="n1", expires_at=now)
    assert token_spend(kind="work", token="n1", expires_at=now)  # each kind its own register


def test_the_purge_forgets_only_tokens_past_their_expiry_R_CAP2(now):
    token_spend(kind="challenge", token="expired", expires_at=now - timedelta(seconds=1))
    token_spend(kind="challenge", token="at its last instant", expires_at=now)
    token_spend(kind="challenge", token="live", expires_at=now + timedelta(minutes=5))
    assert spent_tokens_purge(now=now) == 1
    assert SpentToken.objects.count() == 2
    assert not token_spend(kind="challenge", token="live", expires_at=now + timedelta(minutes=5))


def test_a_spent_token_is_shown_by_the_start_of_its_digest_and_its_expiry_R_CAP4(now):
    token_spend(kind="challenge", token="n1", expires_at=now)
    row = SpentToken.objects.get()
    assert str(row) == f"jeton {row.digest[:8]}… (jusqu'au {now:%Y-%m-%d %H:%M})"
