"""R-EM6, R-EM7 at their edges, on the service clock (the clock seam moved by the test, each use case given
`clock.now()` as a view or the worker would): a link confirms until 7 days after it was sent, one second less
included; at 7 days it offers a new one. The address is remembered until 21 days after the last link, one
second less included; at 21 days the worker's job forgets it and nothing is sent to it any more."""

from datetime import timedelta

import pytest

from moncompte.accounts.emails import Window, pending_of
from moncompte.accounts.models import EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.core import clock
from moncompte.enrollment.email_links import (
    LinkStatus,
    email_confirm,
    link_resend,
    link_resend_from_link,
    link_status,
    pending_emails_forget,
)
from moncompte.enrollment.errors import LinkResendImpossible
from tests import factories
from tests.factories import CLIENT, last_link_token, link_count

pytestmark = pytest.mark.django_db
DAY, SECOND = timedelta(days=1), timedelta(seconds=1)
ADDRESS = "camille@example.fr"


def test_one_second_before_7_days_the_link_still_confirms_R_EM6(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    traveller.move_to(now + 7 * DAY - SECOND)
    token = last_link_token(ADDRESS)
    assert link_status(token=token, now=clock.now()).status is LinkStatus.VALID
    assert email_confirm(token=token, client=CLIENT, now=clock.now()).status is LinkStatus.CONFIRMED
    assert journey.refresh().state == AccountState.ACTIVE


def test_at_7_days_the_link_no_longer_confirms_and_offers_a_new_one_R_EM6(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    traveller.move_to(now + 7 * DAY)
    token = last_link_token(ADDRESS)
    assert link_status(token=token, now=clock.now()).status is LinkStatus.EXPIRED
    assert email_confirm(token=token, client=CLIENT, now=clock.now()).status is LinkStatus.EXPIRED
    assert journey.refresh().state == AccountState.EMAIL_PENDING
    assert link_resend_from_link(token=token, client=CLIENT, now=clock.now()) == "c•••••e@example.fr"
    assert email_confirm(token=last_link_token(ADDRESS), client=CLIENT, now=clock.now()).status is LinkStatus.CONFIRMED


def test_one_second_before_21_days_the_address_is_still_remembered_R_EM7(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    traveller.move_to(now + 21 * DAY - SECOND)
    assert pending_emails_forget(now=clock.now()) == 0
    pending = pending_of(journey.account, now=clock.now())
    assert pending is not None
    assert (pending.email.address, pending.window) == (ADDRESS, Window.EXPIRED)
    assert link_status(token=last_link_token(ADDRESS), now=clock.now()).status is LinkStatus.EXPIRED
    assert link_resend(account_id=journey.account.pk, client=CLIENT, now=clock.now()) == "c•••••e@example.fr"
    assert link_count(journey.account) == 2


def test_at_21_days_the_address_is_forgotten_and_nothing_is_sent_to_it_R_EM7(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    traveller.move_to(now + 21 * DAY)
    token = last_link_token(ADDRESS)
    # Before the worker's job has run, the address already counts as forgotten.
    assert link_status(token=token, now=clock.now()).status is LinkStatus.FORGOTTEN
    with pytest.raises(LinkResendImpossible):
        link_resend(account_id=journey.account.pk, client=CLIENT, now=clock.now())
    assert pending_emails_forget(now=clock.now()) == 1
    assert not EmailAddress.objects.filter(account=journey.account).exists()
    assert (journey.refresh().state, link_count(journey.account)) == (AccountState.CONTACT_PENDING, 0)
    # Its row erased, the link is still one the service sent: « oublié », never « inconnu ».
    assert link_status(token=token, now=clock.now()).status is LinkStatus.FORGOTTEN
