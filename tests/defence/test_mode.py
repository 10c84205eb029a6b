"""R-BOT1: attack mode is stored, cheap to read, and switched by the service or by a supervisor."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection

from moncompte.defence.mode import (
    AUTOMATIC,
    SUPERVISOR,
    attack_mode_active,
    attack_mode_cache_clear,
    attack_mode_state,
    attack_mode_switch,
)
from moncompte.defence.models import AttackMode, AttackModeChange

pytestmark = pytest.mark.django_db


def test_r_bot1_attack_mode_is_off_on_a_new_service(now):
    assert attack_mode_active(now=now) is False
    assert attack_mode_state().active is False


def test_r_bot1_switching_on_is_stored_with_when_and_why(now):
    assert attack_mode_switch(active=True, now=now, source=AUTOMATIC, reason="signal", signal={"scope": "global"})
    state = attack_mode_state()
    assert (state.active, state.since, state.source, state.signal) == (True, now, AUTOMATIC, {"scope": "global"})
    assert attack_mode_active(now=now) is True
    change = AttackModeChange.objects.get()
    assert (change.active, change.source, change.at) == (True, AUTOMATIC, now)


def test_r_bot1_attack_mode_survives_a_restart_read_from_the_database(now):
    attack_mode_switch(active=True, now=now, source=SUPERVISOR, reason="campagne de fraude", staff_username="sup")
    attack_mode_cache_clear()  # what a new process starts with
    assert attack_mode_active(now=now) is True


def test_r_bot1_each_process_reads_the_mode_at_most_every_few_seconds(now, django_assert_num_queries, settings):
    seconds = settings.MONCOMPTE.attack_mode_cache_seconds
    with django_assert_num_queries(1):
        attack_mode_active(now=now)
        attack_mode_active(now=now + timedelta(seconds=seconds - 1))
    # Another process switches it: this one sees it once its copy is older than the setting.
    AttackMode.objects.update_or_create(pk=1, defaults={"active": True})
    assert attack_mode_active(now=now + timedelta(seconds=seconds - 1)) is False
    assert attack_mode_active(now=now + timedelta(seconds=seconds)) is True


def test_r_bot1_a_copy_from_the_future_is_not_trusted(now):
    """A clock set back (or a test moving time) must not keep an old answer for longer than the setting."""
    attack_mode_active(now=now)
    AttackMode.objects.update_or_create(pk=1, defaults={"active": True})
    assert attack_mode_active(now=now - timedelta(hours=1)) is True


def test_r_bot1_the_database_unreachable_keeps_the_last_answer(now, monkeypatch):
    attack_mode_switch(active=True, now=now, source=AUTOMATIC, reason="signal")
    attack_mode_active(now=now)

    def unreachable(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(AttackMode.objects, "filter", unreachable)
    assert attack_mode_active(now=now + timedelta(minutes=5)) is True


def test_r_bot1_a_supervisor_decision_holds_the_automatic_switch_back(now, settings):
    hold = settings.MONCOMPTE.attack_mode_supervisor_hold
    attack_mode_switch(active=False, now=now, source=SUPERVISOR, reason="afflux attendu", staff_username="sup")
    assert not attack_mode_switch(active=True, now=now + hold - timedelta(seconds=1), source=AUTOMATIC, reason="s")
    assert attack_mode_switch(active=True, now=now + hold, source=AUTOMATIC, reason="s")


def test_r_bot1_the_automatic_switch_never_ends_a_supervisor_s_attack_mode(now, settings):
    hold = settings.MONCOMPTE.attack_mode_supervisor_hold
    attack_mode_switch(active=True, now=now, source=SUPERVISOR, reason="fuite annoncée", staff_username="sup")
    assert not attack_mode_switch(active=False, now=now + hold * 10, source=AUTOMATIC, reason="signaux retombés")
    assert attack_mode_state().active is True


def test_r_bot1_switching_to_the_same_state_automatically_writes_nothing(now):
    attack_mode_switch(active=True, now=now, source=AUTOMATIC, reason="s")
    assert not attack_mode_switch(active=True, now=now + timedelta(minutes=1), source=AUTOMATIC, reason="s")
    assert AttackModeChange.objects.count() == 1
    assert attack_mode_state().since == now


@pytest.mark.django_db(transaction=True)
def test_r_bot1_a_new_process_finds_attack_mode_on(now):
    """Stored, not in memory: another Python process, on the same database, reads it on."""
    attack_mode_switch(active=True, now=now, source=SUPERVISOR, reason="test de reprise", staff_username="sup")
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.fail("this test needs a database another process can open")
    code = (
        "import django, os; django.setup();"
        "from django.db import connection;"
        f"connection.settings_dict['NAME'] = {connection.settings_dict['NAME']!r};"
        "from moncompte.core import clock; from moncompte.defence.mode import attack_mode_active;"
        "print(attack_mode_active(now=clock.now()))"
    )
    env_settings = {"DJANGO_SETTINGS_MODULE": "moncompte.config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env_settings}, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr
