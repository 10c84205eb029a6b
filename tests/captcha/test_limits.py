"""R-CAP4, R-CAP6: challenges, media and wrong answers are limited per client, per network and per browser
session, with the same clear French message as the other limits; answers without the proof of work are held
to a stricter limit; the work grows with the failures of the client and of its network, and in attack mode."""

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.captcha import limits
from moncompte.captcha.challenges import challenge_answer, challenge_create
from moncompte.captcha.errors import CaptchaWrong
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.captcha.work import work_difficulty
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.defence.mode import attack_mode_cache_clear, attack_mode_switch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_attack_mode_copy() -> Iterator[None]:
    """This process's copy of the attack mode would outlive the test's database."""
    attack_mode_cache_clear()
    yield
    attack_mode_cache_clear()


def client(n: int = 7) -> Client:
    return Client(f"203.0.113.{n}", "pytest")


def attempt(now, *, binding="s", who=None, right=False, work=""):
    who = who or client()
    challenge = challenge_create(binding=binding, client=who, now=now)
    typed = challenge_answer(challenge_id=challenge.id) if right else "ZZZZZZ"
    captcha_check(proof=CaptchaProof(challenge.id, typed, binding, work), client=who, now=now)


def test_new_challenges_are_limited_per_session_with_the_time_to_wait(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_session=3)
    for _ in range(3):
        challenge_create(binding="s", client=client(), now=now)
    with pytest.raises(TooManyAttempts, match="veuillez patienter 1 heure") as refused:
        challenge_create(binding="s", client=client(), now=now)
    assert refused.value.field == "captcha_answer"
    challenge_create(binding="another session", client=client(), now=now)


def test_new_challenges_are_limited_per_client(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=3)
    for n in range(3):
        challenge_create(binding=str(n), client=client(), now=now)
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="fresh session", client=client(), now=now)
    challenge_create(binding="fresh session", client=client(8), now=now)


def test_wrong_answers_are_limited_per_session(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_failures_per_session=2)
    for n in range(2):
        with pytest.raises(CaptchaWrong):
            attempt(now, who=client(n))
    with pytest.raises(TooManyAttempts, match="Trop de tentatives"):
        attempt(now, who=client(9), right=True)
    attempt(now, binding="other", who=client(9), right=True)


def test_wrong_answers_are_limited_per_client(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_failures_per_client=2)
    for n in range(2):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="new", right=True)
    attempt(now, binding="new", who=client(9), right=True)


def test_answers_without_the_proof_of_work_meet_a_stricter_limit_R_CAP5(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_without_work_per_client=2)
    attempt(now, binding="a", right=True)
    attempt(now, binding="b", right=True)
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="c", right=True)


def test_the_proof_of_work_grows_with_the_failures_of_the_client_R_CAP6(settings, now):
    base = settings.MONCOMPTE.captcha_work_base
    assert work_difficulty(client=client(), now=now) == base
    for n in range(3):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    assert work_difficulty(client=client(), now=now) == base * 8
    assert limits.recent_failures(client=client(), now=now) == 3
    assert work_difficulty(client=Client("198.51.100.9"), now=now) == base  # another network: untouched


def test_the_proof_of_work_grows_with_the_failures_of_neighbours_in_the_same_network_R_CAP6(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_work_network_failures=10)
    base = settings.MONCOMPTE.captcha_work_base
    for n in range(20):  # a script moving from one address of 203.0.113.0/24 to the next
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n), who=client(100 + n))
    sibling = client(7)  # never failed itself
    assert limits.recent_failures_here_and_around(client=sibling, now=now) == (0, 20)
    assert work_difficulty(client=sibling, now=now) == base * 3  # 20 failures next door: twice more work
    assert work_difficulty(client=client(100), now=now) == int(base * 2 * (1 + 19 / 10))  # its own, and theirs
    assert work_difficulty(client=Client("203.0.114.7"), now=now) == base  # the next /24 is another network


def test_ipv6_neighbours_share_their_48_R_CAP6(settings, now):
    base = settings.MONCOMPTE.captcha_work_base
    for n in range(10):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n), who=Client(f"2001:db8:1:{n}::/64"))
    assert work_difficulty(client=Client("2001:db8:1:ffff::/64"), now=now) == base * 2
    assert work_difficulty(client=Client("2001:db8:2::/64"), now=now) == base


def test_the_proof_of_work_has_a_ceiling(settings, now):
    unlimited = ("captcha_failures_per_client", "captcha_failures_per_session", "captcha_without_work_per_client")
    settings.MONCOMPTE = replace(settings.MONCOMPTE, **dict.fromkeys(unlimited, 100))
    for n in range(12):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    assert work_difficulty(client=client(), now=now) == settings.MONCOMPTE.captcha_work_max


def test_the_edge_between_two_hours_does_not_let_twice_the_limit_through(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=10)
    end_of_hour = now.replace(minute=59, second=50)
    for n in range(10):
        challenge_create(binding=str(n), client=client(), now=end_of_hour)
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="next", client=client(), now=end_of_hour + timedelta(seconds=20))


def test_pictures_and_sounds_fetched_are_limited_per_client(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_media_per_client=2)
    limits.media_count(client=client(), now=now)
    limits.media_count(client=client(), now=now)
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=client(), now=now)


# R-CAP4: every limit per network too (its /24 here), so that moving to the next address resets nothing.
def test_new_challenges_are_limited_per_network_R_CAP4(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_network=3)
    for n in range(3):
        challenge_create(binding=str(n), client=client(n), now=now)
    with pytest.raises(TooManyAttempts) as refused:
        challenge_create(binding="fresh", client=client(99), now=now)
    assert refused.value.field == "captcha_answer"
    challenge_create(binding="fresh", client=Client("198.51.100.7"), now=now)


def test_a_client_past_its_own_limit_does_not_use_up_its_neighbours_R_LIM2(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=2, captcha_new_per_network=4)
    refused = 0
    for n in range(50):  # one address hammering: refused after 2, and its refusals are not the network's
        try:
            challenge_create(binding=str(n), client=client(), now=now)
        except TooManyAttempts:
            refused += 1
    assert refused == 48
    challenge_create(binding="neighbour", client=client(8), now=now)
    challenge_create(binding="neighbour 2", client=client(9), now=now)


def test_wrong_answers_are_limited_per_network_R_CAP4(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_failures_per_network=3)
    for n in range(3):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n), who=client(n))
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="new", who=client(50), right=True)
    attempt(now, binding="new", who=Client("198.51.100.7"), right=True)


def test_answers_without_the_proof_of_work_are_limited_per_network_R_CAP6(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_without_work_per_network=2)
    attempt(now, binding="a", who=client(1), right=True)
    attempt(now, binding="b", who=client(2), right=True)
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="c", who=client(3), right=True)
    attempt(now, binding="c", who=Client("2001:db8::/64"), right=True)


def test_pictures_and_sounds_fetched_are_limited_per_network_R_CAP4(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_media_per_network=2)
    limits.media_count(client=client(1), now=now)
    limits.media_count(client=client(2), now=now)
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=client(3), now=now)
    limits.media_count(client=Client("198.51.100.7"), now=now)


def test_attack_mode_multiplies_everyones_work_R_CAP6(settings, now):
    base = settings.MONCOMPTE.captcha_work_base
    attack_mode_switch(active=True, now=now, source="supervisor", reason="test : vague de créations")
    assert work_difficulty(client=client(), now=now) == base * settings.MONCOMPTE.captcha_work_attack_factor
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_work_attack_max=base * 2)
    assert work_difficulty(client=client(), now=now) == base * 2
    attack_mode_switch(active=False, now=now, source="supervisor", reason="test : fin de la vague")
    assert work_difficulty(client=client(), now=now) == base


def test_r_bot1_attack_mode_divides_the_network_limit_of_pictures_and_sounds(settings, now):
    """10 / 4: two, the division rounded down."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_media_per_network=10, captcha_network_attack_divisor=4)
    attack_mode_switch(active=True, now=now, source="supervisor", reason="test : vague de créations")
    limits.media_count(client=client(1), now=now)
    limits.media_count(client=client(2), now=now)
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=client(3), now=now)


def test_r_bot1_attack_mode_divides_the_wrong_answers_a_network_may_give(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_failures_per_network=8, captcha_network_attack_divisor=4)
    attack_mode_switch(active=True, now=now, source="supervisor", reason="test : vague de créations")
    for n in range(2):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n), who=client(n))
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="new", who=client(50), right=True)


def test_r_bot1_a_network_limit_divided_in_attack_mode_still_lets_one_through(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_media_per_network=3, captcha_network_attack_divisor=4)
    attack_mode_switch(active=True, now=now, source="supervisor", reason="test : vague de créations")
    limits.media_count(client=client(1), now=now)
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=client(2), now=now)


@pytest.mark.parametrize(
    ("limit", "tries"),
    [
        ("captcha_new_per_client", lambda now, n: challenge_create(binding=str(n), client=client(), now=now)),
        ("captcha_failures_per_client", lambda now, n: attempt(now, binding=str(n))),
        ("captcha_failures_per_network", lambda now, n: attempt(now, binding=str(n), who=client(n))),
        ("captcha_failures_per_session", lambda now, n: attempt(now, who=client(n))),
        ("captcha_without_work_per_client", lambda now, n: attempt(now, binding=str(n), right=True)),
        ("captcha_without_work_per_network", lambda now, n: attempt(now, binding=str(n), who=client(n), right=True)),
    ],
)
def test_every_refusal_of_the_captcha_s_limits_names_the_captcha_field_R_CAP4(settings, now, limit, tries):
    """The form shows the refusal under the CAPTCHA (R-A11Y1: the error is tied to its field), whichever limit."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, **{limit: 1})
    with contextlib.suppress(CaptchaWrong):
        tries(now, 0)
    with pytest.raises(TooManyAttempts) as refused:
        tries(now, 1)
    assert refused.value.field == "captcha_answer"
