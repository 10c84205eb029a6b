"""R-LIM8 at the level of the caps of codes sent (enrollment.limits): one per NIR from a client, one per NIR and
mailbox, or the device's own; one too many is taken back and says how long to wait."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.enrollment.errors import CodeSendsLimited
from moncompte.enrollment.limits import code_send_counted, code_sends_left
from tests.factories import CLIENT
from tests.helpers import NOW

pytestmark = pytest.mark.django_db
CAMILLE, DOMINIQUE = "2840588321025", "1750675111042"
MAILBOX = "camille@example.fr"
DEVICE = 7


@pytest.fixture(autouse=True)
def caps(settings):
    settings.MONCOMPTE = replace(
        settings.MONCOMPTE, code_max_sends_per_hour=2, code_max_sends_per_address=5, device_code_sends_per_hour=3
    )


def count(nir: str, *, to: str = MAILBOX, device: int | None = None, at=NOW) -> timedelta | None:
    """One code counted, and sent (the block ends without an error)."""
    with code_send_counted(nir=nir, client=CLIENT, to=to, device=device, now=at) as wait:
        return wait


def left(nir: str, *, to: str = MAILBOX, device: int | None = None, at=NOW) -> timedelta | None:
    return code_sends_left(nir=nir, client=CLIENT, to=to, device=device, now=at)


def test_one_code_too_many_for_a_nir_is_taken_back_and_says_the_wait_another_nir_has_its_own_count():
    assert [count(CAMILLE), count(CAMILLE, at=NOW + timedelta(minutes=5))] == [None, None]
    later = NOW + timedelta(minutes=10)
    assert count(CAMILLE, at=later) == timedelta(minutes=50)
    assert left(CAMILLE, at=later) == timedelta(minutes=50)  # the refused one was not kept
    assert (left(DOMINIQUE), count(DOMINIQUE)) == (None, None)  # from the same client


def test_codes_to_one_mailbox_are_counted_per_nir(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, code_max_sends_per_hour=10, code_max_sends_per_address=1)
    assert count(CAMILLE) is None
    assert count(CAMILLE, to="camille+autre@example.fr") is not None  # the same mailbox
    assert count(DOMINIQUE) is None


def test_a_device_counts_against_its_own_cap_of_the_hour_only():
    count(CAMILLE)
    count(CAMILLE)  # the NIR's cap from this client is used up
    assert left(CAMILLE) is not None
    assert left(CAMILLE, device=DEVICE) is None
    assert [count(CAMILLE, device=DEVICE) for _ in range(3)] == [None, None, None]
    assert count(CAMILLE, device=DEVICE, at=NOW + timedelta(minutes=1)) == timedelta(minutes=59)


def test_a_code_that_could_not_be_sent_is_taken_back_from_every_count_R_LIM2():
    with (
        pytest.raises(CodeSendsLimited),
        code_send_counted(nir=CAMILLE, client=CLIENT, to=MAILBOX, device=None, now=NOW),
    ):
        raise CodeSendsLimited(timedelta(minutes=1))  # anything the sending block raises: the database out too
    assert [count(CAMILLE), count(CAMILLE)] == [None, None]  # both of the NIR's two are still there
    assert count(CAMILLE) == timedelta(hours=1)
