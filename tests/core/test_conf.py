"""The service's settings are one typed, frozen object, read from the environment and checked once (R-SEC4)."""

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from moncompte.core.conf import Settings, conf

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def test_the_defaults_are_the_values_the_rules_give_R_SEC4():
    defaults = Settings()
    assert defaults.code_lifetime == timedelta(minutes=30)  # R-CODE2
    assert (defaults.personal_code_min_length, defaults.personal_code_max_length) == (8, 50)  # R-PW1
    assert (defaults.email_link_lifetime, defaults.email_forget_after) == (timedelta(days=7), timedelta(days=21))
    assert (defaults.app_access_lifetime, defaults.app_refresh_lifetime) == (timedelta(minutes=15), timedelta(days=30))


def test_each_field_is_read_by_its_type_from_its_variable():
    read = Settings.from_environment(
        {
            "MONCOMPTE_EMAIL_TAKEN_PER_DAY": "3",
            "MONCOMPTE_CODE_LIFETIME": "900",
            "MONCOMPTE_CODE_FORGOT_MIN_SECONDS": "0.5",
            "MONCOMPTE_OUTBOX_SEND_AFTER_RESPONSE": "non",
            "MONCOMPTE_METRICS_NETWORKS": " 10.0.0.0/8 , ,192.168.1.0/24",
            "MONCOMPTE_SERVICE_NAME": "  compte test ",
            "MONCOMPTE_UNKNOWN_THING": "ignored",
            "OTHER_CODE_LIFETIME": "1",
        }
    )
    assert read.email_taken_per_day == 3
    assert read.code_lifetime == timedelta(minutes=15)
    assert read.code_forgot_min_seconds == 0.5
    assert read.outbox_send_after_response is False
    assert read.metrics_networks == ("10.0.0.0/8", "192.168.1.0/24")
    assert read.service_name == "compte test"
    assert read.sign_in_free_failures == Settings().sign_in_free_failures  # not given: the default


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("MONCOMPTE_SIGN_IN_FREE_FAILURES", "cinq", "MONCOMPTE_SIGN_IN_FREE_FAILURES doit être un nombre entier"),
        ("MONCOMPTE_CODE_LIFETIME", "30 minutes", "MONCOMPTE_CODE_LIFETIME doit être un nombre de secondes"),
        (
            "MONCOMPTE_OUTBOX_SEND_AFTER_RESPONSE",
            "peut-être",
            "MONCOMPTE_OUTBOX_SEND_AFTER_RESPONSE doit être oui ou non",
        ),
        ("MONCOMPTE_CODE_FORGOT_MIN_SECONDS", "vite", "MONCOMPTE_CODE_FORGOT_MIN_SECONDS doit être un nombre"),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_with_its_variable(variable, value, said):
    with pytest.raises(ImproperlyConfigured, match=said):
        Settings.from_environment({variable: value})


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"email_taken_per_day": -1}, "EMAIL_TAKEN_PER_DAY : ne peut pas être négatif"),
        ({"code_lifetime": timedelta(seconds=-1)}, "CODE_LIFETIME : ne peut pas être négatif"),
        ({"captcha_length_min": 9, "captcha_length_max": 8}, "CAPTCHA_LENGTH_MIN et CAPTCHA_LENGTH_MAX"),
        ({"captcha_length_max": 21}, "CAPTCHA_LENGTH_MIN et CAPTCHA_LENGTH_MAX"),
        ({"captcha_work_max": 100}, "CAPTCHA_WORK_BASE : au moins 1, au plus CAPTCHA_WORK_MAX"),
        ({"personal_code_min_length": 0}, "PERSONAL_CODE_MIN_LENGTH"),
        ({"email_forget_after": timedelta(days=6)}, "EMAIL_LINK_LIFETIME ≤ EMAIL_FORGET_AFTER"),
        ({"app_refresh_lifetime": timedelta(minutes=1)}, "APP_ACCESS_LIFETIME ≤ APP_REFRESH_LIFETIME"),
        ({"network_prefix_ipv4": 33}, "NETWORK_PREFIX_IPV4"),
        ({"bot_baseline_days": 0}, "BOT_BASELINE_DAYS"),
        ({"from_address": "personne"}, "FROM_ADDRESS"),
        ({"site_url": "moncompte.fr"}, "SITE_URL"),
    ],
)
def test_settings_that_cannot_work_together_stop_the_start(changes, said):
    with pytest.raises(ImproperlyConfigured, match=said):
        Settings(**changes)
    with pytest.raises(ImproperlyConfigured, match=said):  # and a test's change is checked the same way
        dataclasses.replace(Settings(), **changes)


def test_every_problem_is_said_at_once():
    with pytest.raises(ImproperlyConfigured) as refused:
        Settings(email_taken_per_day=-1, site_url="x", network_prefix_ipv6=200)
    assert str(refused.value).count(" ; ") == 2


def test_the_settings_cannot_be_changed_in_place(settings):
    with pytest.raises(dataclasses.FrozenInstanceError):
        conf().code_lifetime = timedelta(days=1)  # type: ignore[misc]


def test_conf_is_the_object_of_the_django_settings(settings):
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, email_taken_per_day=2)
    assert conf().email_taken_per_day == 2
    settings.MONCOMPTE = {"EMAIL_TAKEN_PER_DAY": 2}  # the former dict is refused, not half-read
    with pytest.raises(ImproperlyConfigured, match=r"moncompte\.core\.conf\.Settings"):
        conf()


def test_the_bot_minimum_of_each_scope_is_its_own_setting():
    values = Settings(bot_minimum_global=1, bot_minimum_network=2, bot_minimum_domain=3, bot_minimum_departement=4)
    assert [values.bot_minimum_of(scope) for scope in ("global", "network", "domain", "departement")] == [1, 2, 3, 4]
