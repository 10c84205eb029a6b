"""R-BOT1: supervisors switch attack mode on or off with a reason, audited; agents are refused, audited too
(R-SUP7); the desk page shows the mode, why, since when and the signals."""

from dataclasses import replace

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.audit.models import AuditEvent
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.defence.keys import IDENTITY
from moncompte.defence.mode import SUPERVISOR, attack_mode_active, attack_mode_state
from moncompte.defence.models import AttackModeChange
from moncompte.defence.watch import velocity_record
from moncompte.support.actions import ReasonMissing, Staff, SupervisorOnly
from moncompte.support.attack_mode import attack_mode_set
from moncompte.support.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]

REASON = "campagne de créations avec des identités volées signalée par la CNAM"
PAGE = "admin:desk_attack_mode"


def staff(role: Role, name: str = "sup.martin") -> Staff:
    return Staff(username=name, role=role, client=Client("10.1.2.3", "pytest"))


@pytest.fixture
def supervisor_client(admin_client):
    """A superuser: a supervisor of the desk (support.roles.role_of), signed in with the second factor."""
    return admin_client


def test_r_bot1_a_supervisor_switches_it_on_then_off_with_a_reason_audited(now):
    assert attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=REASON, now=now)
    state = attack_mode_state()
    assert (state.active, state.source, state.staff_username, state.reason) == (True, SUPERVISOR, "sup.martin", REASON)
    assert attack_mode_active(now=now)
    assert attack_mode_set(active=False, staff=staff(Role.SUPERVISOR), reason="fausse alerte, afflux attendu", now=now)
    assert not attack_mode_active(now=now)
    on, off = AuditEvent.objects.filter(event__startswith="support_attack_mode").order_by("id")
    assert (on.event, on.details) == (
        "support_attack_mode_on",
        {"staff": "sup.martin", "reason": REASON, "changed": "oui"},
    )
    assert off.event == "support_attack_mode_off"
    assert on.client_address == "10.1.2.3"


def test_r_bot1_an_agent_is_refused_and_the_refusal_is_audited_r_sup7(now):
    with pytest.raises(SupervisorOnly):
        attack_mode_set(active=True, staff=staff(Role.AGENT, "agent.dupont"), reason=REASON, now=now)
    assert not attack_mode_state().active
    refused = AuditEvent.objects.get(event="support_attack_mode_refused")
    assert refused.details == {"staff": "agent.dupont", "wanted": "on", "why": "supervisor_only", "reason": REASON}


@pytest.mark.parametrize("typed", ["", "   ", "\x00\x00\x00\x00\x00\x00", "ok", "\u200b\u200b\u200b\u200b\u200b"])
def test_r_bot1_no_reason_no_switch_and_the_refusal_is_audited(now, typed):
    with pytest.raises(ReasonMissing):
        attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=typed, now=now)
    assert not AttackModeChange.objects.exists()
    assert AuditEvent.objects.get(event="support_attack_mode_refused").details["why"] == "reason_missing"


def test_r_bot1_a_long_or_odd_reason_is_kept_clean_and_short(now):
    typed = "motif\x00 avec\tdes\ncaractères " + "x" * 5000
    attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=typed, now=now)
    kept = attack_mode_state().reason
    assert kept.startswith("motif avec des caractères xxx")
    assert len(kept) == 500
    assert "\x00" not in AuditEvent.objects.get(event="support_attack_mode_on").details["reason"]


def test_r_bot1_switching_is_limited_like_every_desk_action(now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_actions_per_hour=2)
    attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=REASON, now=now)
    attack_mode_set(active=False, staff=staff(Role.SUPERVISOR), reason=REASON, now=now)
    with pytest.raises(TooManyAttempts):
        attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=REASON, now=now)


def test_r_bot1_the_desk_page_shows_the_mode_why_since_when_and_the_signals(agent_client, settings):
    page = agent_client.get(reverse(PAGE)).content.decode()
    assert 'data-attack-mode="inactif"' in page
    assert "Changer le mode" not in page  # the form is for supervisors
    for n in range(settings.MONCOMPTE.bot_minimum_network + 1):
        velocity_record(
            signal=IDENTITY, address="198.51.100.7", email=f"p{n}@d{n}.fr", postal_code=f"{10 + n}000", now=clock.now()
        )
    page = agent_client.get(reverse(PAGE)).content.decode()
    assert 'data-attack-mode="actif"' in page
    assert "Il s'est activé de lui-même : identités vérifiées (réseau n°" in page
    assert "<code>198.51.100.0/24</code>" in page  # staff see the network itself
    row = "<td>identités vérifiées</td><td>réseau</td><td>198.51.100.0/24</td><td>{}</td><td>11</td><td>{}</td>"
    assert row.format("dix minutes glissantes", 5) in page  # the nearest its threshold first
    assert row.format("une heure glissante", 10) in page
    assert "le service" in page


def test_r_bot1_a_supervisor_switches_it_from_the_desk_page(supervisor_client):
    page = supervisor_client.get(reverse(PAGE)).content.decode()
    assert "Changer le mode" in page
    done = supervisor_client.post(reverse(PAGE), {"action": "activer", "reason": REASON}, follow=True)
    assert "Mode attaque activé : c&#x27;est écrit au journal." in done.content.decode()
    assert attack_mode_state().active
    assert "Mode attaque : <strong>actif</strong>" in supervisor_client.get(reverse("admin:index")).content.decode()


def test_r_bot1_an_agent_posting_the_form_is_refused_and_audited(agent_client):
    done = agent_client.post(reverse(PAGE), {"action": "activer", "reason": REASON}, follow=True)
    assert "Cette action est réservée aux superviseurs." in done.content.decode()
    assert not attack_mode_state().active
    assert AuditEvent.objects.get(event="support_attack_mode_refused").details["staff"] == "agent.dupont"


@pytest.mark.parametrize(
    "data", [{}, {"action": "allumer", "reason": REASON}, {"action": ["activer", "desactiver"]}, {"action": "\x00"}]
)
def test_r_bot1_garbage_in_the_form_gets_a_french_answer_never_a_500(supervisor_client, data):
    done = supervisor_client.post(reverse(PAGE), data, follow=True)
    assert done.status_code == 200
    page = done.content.decode()
    assert "Choisissez d&#x27;activer ou de désactiver" in page or "Indiquez le motif" in page
    assert not attack_mode_state().active


def test_r_bot1_nobody_unsigned_reaches_the_page():
    assert HttpClient().get(reverse(PAGE))["Location"].startswith(reverse("admin:login"))


def test_r_bot1_confirming_the_current_state_is_audited_as_unchanged_r_sup2(now):
    attack_mode_set(active=True, staff=staff(Role.SUPERVISOR), reason=REASON, now=now)
    assert not attack_mode_set(active=True, staff=staff(Role.SUPERVISOR, "sup.durand"), reason=REASON, now=now)
    confirmed = AuditEvent.objects.filter(event="support_attack_mode_on").latest("id")
    assert confirmed.details["changed"] == "non"


def test_r_bot1_a_refusal_is_audited_from_the_staff_member_s_address_r_sup7(now):
    with pytest.raises(SupervisorOnly):
        attack_mode_set(active=True, staff=staff(Role.AGENT, "agent.dupont"), reason=REASON, now=now)
    assert AuditEvent.objects.get(event="support_attack_mode_refused").client_address == "10.1.2.3"
