"""R-BOT1: /metrics tells whether attack mode is on, since when, how near each signal is to its threshold, and
counts the switches."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient

from moncompte.core import clock
from moncompte.defence.keys import IDENTITY
from moncompte.defence.mode import AUTOMATIC, attack_mode_switch
from moncompte.defence.watch import velocity_record

pytestmark = pytest.mark.django_db


def scrape() -> str:
    response = HttpClient().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return response.content.decode()


def test_r_bot1_metrics_say_attack_mode_is_off_on_a_quiet_service(traveller):
    text = scrape()
    assert 'moncompte_attack_mode{source="none"} 0.0' in text
    assert 'moncompte_velocity_ratio{scope="network",signal="identity"} 0.0' in text


def test_r_bot1_metrics_show_the_mode_its_age_and_the_signals(traveller, settings):
    for n in range(settings.MONCOMPTE.bot_minimum_network + 1):
        velocity_record(
            signal=IDENTITY, address="198.51.100.7", email=f"p{n}@d{n}.fr", postal_code="75011", now=clock.now()
        )
    traveller.shift(timedelta(seconds=90))
    text = scrape()
    assert 'moncompte_attack_mode{source="automatic"} 1.0' in text
    assert "moncompte_attack_mode_since_seconds 90.0" in text
    # 11 in the hour over its minimum of 10, and in ten minutes over theirs of 5: the higher, 2.2
    assert 'moncompte_velocity_ratio{scope="network",signal="identity"} 2.2' in text
    assert 'moncompte_attack_mode_switches_total{direction="on",source="automatic"}' in text
    assert 'moncompte_velocity_trips_total{scope="network",signal="identity"}' in text
    assert "198.51.100" not in text  # no network, no personal data in the metrics


def test_r_bot1_metrics_count_switches_off(traveller, now):
    attack_mode_switch(active=True, now=now, source=AUTOMATIC, reason="s")
    attack_mode_switch(active=False, now=now, source=AUTOMATIC, reason="s")
    assert 'moncompte_attack_mode_switches_total{direction="off",source="automatic"}' in scrape()
