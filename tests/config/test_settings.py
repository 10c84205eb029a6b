"""Configuration comes from the environment, and the dangerous switches refuse to work in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from moncompte.outbox.sink import free_port

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def run(tmp_path, *args, **env):
    """`moncompte check` (or the command `args`), in a clean environment with `env` added."""
    dangerous = ("SECRET_KEY", "DEBUG", "MONCOMPTE_CAPTCHA_TEST_ANSWER", "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS")
    clean = {k: v for k, v in os.environ.items() if k not in dangerous}
    clean["MONCOMPTE_VAR_DIR"] = str(tmp_path)
    command = [MONCOMPTE, *(args or ("check",))]
    return subprocess.run(command, env={**clean, **env}, capture_output=True, text=True, check=False, timeout=120)


def test_secret_key_is_required_outside_the_demo(tmp_path):
    result = run(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


def test_the_captcha_test_answer_is_refused_in_production(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, MONCOMPTE_CAPTCHA_TEST_ANSWER="ABCDEF")
    assert result.returncode != 0
    assert "MONCOMPTE_CAPTCHA_TEST_ANSWER est refusé" in result.stderr


def test_the_captcha_test_answer_is_accepted_loudly_with_debug(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, DEBUG="1", MONCOMPTE_CAPTCHA_TEST_ANSWER="ABCDEF")
    assert result.returncode == 0, result.stderr
    assert "MONCOMPTE_CAPTCHA_TEST_ANSWER est actif" in result.stderr


def test_the_demo_clock_shift_is_refused_in_production(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS="8")
    assert result.returncode != 0
    assert "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS est refusé hors DEBUG ou démo" in result.stderr


@pytest.mark.parametrize("given", ["huit", "-8", "3651", "8.5"])
def test_a_demo_clock_shift_that_is_not_a_count_of_days_is_refused_with_its_name(tmp_path, given):
    result = run(tmp_path, SECRET_KEY="k" * 50, DEBUG="1", MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS=given)
    assert result.returncode != 0
    assert "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS doit être un nombre entier de 0 à 3650" in result.stderr


def test_the_demo_clock_runs_the_days_ahead_it_is_given_and_says_so_at_start(tmp_path):
    code = (
        "from datetime import UTC, datetime; from moncompte.core import clock; "
        "print(round((clock.now() - datetime.now(tz=UTC)).total_seconds() / 86400))"
    )
    given = {**os.environ, "SECRET_KEY": "k" * 50, "MONCOMPTE_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    done = subprocess.run(
        [MONCOMPTE, "shell", "-c", code],
        env={**given, "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS": "8"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "8"
    assert "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS est actif : l'horloge du service a 8 jour(s) d'avance" in done.stderr
    assert shown(tmp_path, code, DEBUG="1") == "0"  # unset: the real time


def shown(tmp_path, code: str, **env: str) -> str:
    """The last line `code` prints in `moncompte shell`, started with `env` added to this environment."""
    given = {**os.environ, "SECRET_KEY": "k" * 50, "MONCOMPTE_VAR_DIR": str(tmp_path), **env}
    done = subprocess.run([MONCOMPTE, "shell", "-c", code], env=given, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_a_count_of_the_settings_can_come_from_the_environment_R_SEC4(tmp_path):
    code = "from django.conf import settings; print(settings.MONCOMPTE.captcha_new_per_client)"
    assert shown(tmp_path, code, MONCOMPTE_CAPTCHA_NEW_PER_CLIENT="250") == "250"


def test_a_count_that_is_not_a_number_is_refused_with_its_name(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, MONCOMPTE_SIGN_IN_FREE_FAILURES="cinq")
    assert result.returncode != 0
    assert "MONCOMPTE_SIGN_IN_FREE_FAILURES doit être un nombre entier" in result.stderr


def test_the_commands_read_their_passwords_and_proxies_from_the_environment_through_the_settings(tmp_path):
    code = (
        "from django.conf import settings as s; print(s.SUPERVISOR_PASSWORD, s.SUPERUSER_PASSWORD, "
        "s.FORWARDED_ALLOW_IPS, s.MONCOMPTE.code_lifetime.total_seconds())"
    )
    given = {
        "MONCOMPTE_SUPERVISOR_PASSWORD": "Superviseur-2026",
        "DJANGO_SUPERUSER_PASSWORD": "Admin-2026",
        "FORWARDED_ALLOW_IPS": "10.0.0.1",
        "MONCOMPTE_CODE_LIFETIME": "600",
    }
    assert shown(tmp_path, code, **given) == "Superviseur-2026 Admin-2026 10.0.0.1 600.0"


def test_a_negative_count_stops_the_start_with_its_name(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, MONCOMPTE_EMAIL_TAKEN_PER_DAY="-3")
    assert result.returncode != 0
    assert "EMAIL_TAKEN_PER_DAY : ne peut pas être négatif" in result.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgres://moncompte@127.0.0.1:5432", "DATABASE_URL ne nomme pas de base de données"),
        ("postgres://moncompte@127.0.0.1:5432/", "DATABASE_URL ne nomme pas de base de données"),
        ("mysql://moncompte@127.0.0.1/moncompte", "DATABASE_URL doit commencer par postgres:// ou sqlite://"),
        ("postgres://moncompte:secret@127.0.0.1:cinq/moncompte", "DATABASE_URL n'est pas une adresse lisible"),
    ],
)
def test_a_database_url_of_the_wrong_shape_stops_the_start_in_one_sentence(tmp_path, url, said):
    result = run(tmp_path, SECRET_KEY="k" * 50, DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.startswith(f"moncompte : {said}")
    assert len(result.stderr.strip().splitlines()) == 1  # no traceback
    assert "secret" not in result.stderr  # the password is never repeated


def test_check_with_the_database_option_tries_the_connection_and_says_why_it_fails(tmp_path):
    nobody = f"postgres://moncompte:secret@127.0.0.1:{free_port()}/moncompte"  # nothing listens there
    result = run(tmp_path, "check", "--database", "default", SECRET_KEY="k" * 50, DATABASE_URL=nobody)
    assert result.returncode == 1
    assert "(moncompte.E001) La base de données de DATABASE_URL ne répond pas : OperationalError" in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr


def test_check_with_the_database_option_passes_when_it_answers(tmp_path):
    result = run(tmp_path, "check", "--database", "default", SECRET_KEY="k" * 50)  # the SQLite file of var/
    assert result.returncode == 0, result.stderr


def test_migrate_checks_the_connection_first_and_says_why_it_fails(tmp_path):
    nobody = f"postgres://moncompte:secret@127.0.0.1:{free_port()}/moncompte"
    result = run(tmp_path, "migrate", SECRET_KEY="k" * 50, DATABASE_URL=nobody)
    assert result.returncode == 1
    assert "(moncompte.E001) La base de données de DATABASE_URL ne répond pas : OperationalError" in result.stderr
    assert "Traceback" not in result.stderr


def test_any_other_command_whose_database_does_not_answer_says_so_in_one_sentence(tmp_path):
    nobody = f"postgres://moncompte:secret@127.0.0.1:{free_port()}/moncompte"
    result = run(tmp_path, "funnel", SECRET_KEY="k" * 50, DATABASE_URL=nobody)
    assert result.returncode == 1
    assert result.stderr.startswith("moncompte : la base de données de DATABASE_URL ne répond pas : ")
    assert len(result.stderr.strip().splitlines()) == 1  # no traceback
    assert "moncompte check --database default" in result.stderr


def test_the_demo_does_not_take_one_person_creating_accounts_for_a_botnet_unless_told_to_R_BOT1(monkeypatch):
    """Issue 23 (a fresh agent's trial): six people created from one machine in three minutes switched the demo
    to attack mode. Its minimums are raised there; a variable of the environment still decides."""
    from moncompte.config import env
    from moncompte.core.settings.defence import DefenceSettings

    monkeypatch.delenv("MONCOMPTE_BOT_MINIMUM_NETWORK", raising=False)
    shipped = DefenceSettings()
    assert env.service_settings().bot_minimum_network == shipped.bot_minimum_network == 10
    demo = env.service_settings(demo=True)
    assert (demo.bot_minimum_network, demo.bot_minimum_global) == (100_000, 100_000)
    monkeypatch.setenv("MONCOMPTE_BOT_MINIMUM_NETWORK", "3")
    assert env.service_settings(demo=True).bot_minimum_network == 3
