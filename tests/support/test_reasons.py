"""R-SUP2: every search and every action of the desk needs a reason of SUPPORT_REASON_MIN_LENGTH characters (5)
at least, counted once cleaned (spaces squeezed, control and invisible characters dropped). A shorter one is
refused by the domain before anything is done, counted or written."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from moncompte.accounts.models import Account, EmailLink
from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.core.models import ThrottleEvent
from moncompte.outbox.models import OutboundEmail
from moncompte.support import actions
from moncompte.support.actions import ReasonMissing, Staff
from moncompte.support.attack_mode import attack_mode_set
from moncompte.support.roles import Role
from moncompte.support.search import person_search
from tests import factories
from tests.helpers import SentCode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
SUPERVISOR = Staff(username="sup.martin", role=Role.SUPERVISOR, client=Client("10.1.2.3", "pytest"))
# One character, four, and four once cleaned (a NUL, a zero-width space and spaces are no characters of a reason).
TOO_SHORT = ["x", "abcd", "  ab\x00\u200b c  ", "\x00\x00\x00\x00\x00\x00"]
SHORTEST = "appel"


def every_action(account_id: int) -> dict[str, Callable[[str, datetime], object]]:
    """Each search or action of the desk with a reason, on `account_id`, called with (reason, now)."""
    on, by = account_id, SUPERVISOR
    return {
        "link_resend_for": lambda reason, now: actions.link_resend_for(account_id=on, staff=by, reason=reason, now=now),
        "address_change_for": lambda reason, now: actions.address_change_for(
            account_id=on, address="autre@example.fr", staff=by, reason=reason, now=now
        ),
        "throttles_lift": lambda reason, now: actions.throttles_lift(account_id=on, staff=by, reason=reason, now=now),
        "links_void": lambda reason, now: actions.links_void(account_id=on, staff=by, reason=reason, now=now),
        "address_erase": lambda reason, now: actions.address_erase(account_id=on, staff=by, reason=reason, now=now),
        "agent_create": lambda reason, now: actions.agent_create(
            username="agent.neuf", password="Agent-du-support-2026", staff=by, reason=reason, now=now
        ),
        "attack_mode_set": lambda reason, now: attack_mode_set(active=True, staff=by, reason=reason, now=now),
        "person_search": lambda reason, now: person_search(
            query="camille@example.fr", reason=reason, staff=by, now=now
        ),
    }


ACTIONS = list(every_action(0))
LATER = timedelta(minutes=2)  # a link may be sent again after a minute (R-EM9): only the reason can refuse


def target(code_sent: SentCode, now: datetime, name: str) -> Account:
    """A person waiting for her link. For a change of address, one who has no personal code (the desk never
    changes the address once it exists, R-BOT2, and says so before looking at the reason)."""
    account = factories.with_link_sent(code_sent, now).account
    if name == "address_change_for":
        Account.objects.filter(pk=account.pk).update(password_hash="")
    return account


@pytest.mark.parametrize("typed", TOO_SHORT)
@pytest.mark.parametrize("name", ACTIONS)
def test_a_reason_under_five_characters_is_refused_and_nothing_is_done_R_SUP2(code_sent, now, name, typed):
    account = target(code_sent, now, name)
    links, emails = EmailLink.objects.count(), OutboundEmail.objects.count()
    with pytest.raises(ReasonMissing) as refused:
        every_action(account.pk)[name](typed, now + LATER)
    assert (refused.value.code, refused.value.field) == ("reason_missing", "reason")
    assert "au moins 5 caractères" in refused.value.message
    assert (EmailLink.objects.count(), OutboundEmail.objects.count()) == (links, emails)
    assert not ThrottleEvent.objects.filter(scope="support_action").exists()  # a refusal is not an action
    # A refused action is written, with the reason as typed once cleaned (R-SUP7); a search is not.
    written = {"attack_mode_set": ["support_attack_mode_refused"], "person_search": []}
    assert list(AuditEvent.objects.filter(event__startswith="support").values_list("event", flat=True)) == (
        written.get(name, ["support_action_refused"])
    )


@pytest.mark.parametrize("name", ACTIONS)
def test_a_reason_of_five_characters_is_enough_and_written_R_SUP2(code_sent, now, name):
    account = target(code_sent, now, name)
    every_action(account.pk)[name](f" {SHORTEST}\x00", now + LATER)
    written = AuditEvent.objects.filter(event__startswith="support").exclude(event="support_attack_mode_refused")
    assert [event.details["reason"] for event in written] == [SHORTEST]


def test_the_minimum_is_a_setting_R_SUP2(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_reason_min_length=8)
    account = factories.with_link_sent(code_sent, now).account
    with pytest.raises(ReasonMissing) as refused:
        actions.links_void(account_id=account.pk, staff=SUPERVISOR, reason="1234567", now=now)
    assert "au moins 8 caractères" in refused.value.message
    assert actions.links_void(account_id=account.pk, staff=SUPERVISOR, reason="12345678", now=now) == 1


def test_the_desk_search_with_a_one_character_reason_finds_nothing_and_says_why_R_SUP2(agent_client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    page = agent_client.post(reverse("admin:desk_search"), {"q": "camille@example.fr", "motif": "x"})
    assert page.status_code == 200
    assert "Indiquez le motif de la consultation (au moins 5 caractères)." in page.content.decode()
    assert "Comptes trouvés" not in page.content.decode()
    assert not AuditEvent.objects.filter(event="support_search").exists()
