"""R-BOT1: what attack mode does to the CAPTCHA — everyone's proof of work is longer, and every per-network
limit is divided (the identity step's once-an-hour per network: test_network_limit.py)."""

from dataclasses import replace

import pytest

from moncompte.captcha import limits
from moncompte.captcha.work import work_difficulty
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.defence.mode import SUPERVISOR, attack_mode_switch

pytestmark = pytest.mark.django_db


def on(now) -> None:
    attack_mode_switch(active=True, now=now, source=SUPERVISOR, reason="essai", staff_username="sup")


def test_r_bot1_attack_mode_makes_everyone_s_work_longer(now, settings):
    client = Client("192.0.2.10", "pytest")
    normal = work_difficulty(client=client, now=now)
    on(now)
    assert work_difficulty(client=client, now=now) == normal * settings.MONCOMPTE.captcha_work_attack_factor


def shown_until_refused(now, *, network: str, count: int) -> int:
    """New challenges asked from `count` addresses of one network, one each: how many were given."""
    given = 0
    for n in range(count):
        try:
            limits.creation_count(client=Client(f"{network}.{n + 1}", "pytest"), binding=f"s{n}", now=now)
        except TooManyAttempts:
            return given
        given += 1
    return given


def test_r_bot1_attack_mode_divides_the_network_limits(now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_network=8, captcha_network_attack_divisor=4)
    assert shown_until_refused(now, network="198.51.100", count=20) == 8
    on(now)
    assert shown_until_refused(now, network="203.0.113", count=20) == 2


def test_r_bot1_attack_mode_divides_the_answers_without_work_of_a_network(now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_without_work_per_network=8)
    on(now)
    limits.without_work_count(client=Client("198.51.100.1", "pytest"), now=now)
    limits.without_work_count(client=Client("198.51.100.2", "pytest"), now=now)
    with pytest.raises(TooManyAttempts):
        limits.without_work_count(client=Client("198.51.100.3", "pytest"), now=now)
