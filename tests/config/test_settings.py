"""Configuration comes from the environment, and the dangerous switches refuse to work in production."""

import os
import subprocess
import sys
from pathlib import Path

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def run(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "MONCOMPTE_CAPTCHA_TEST_ANSWER")}
    clean["MONCOMPTE_VAR_DIR"] = str(tmp_path)
    return subprocess.run([MONCOMPTE, "check"], env={**clean, **env}, capture_output=True, text=True, check=False)


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
