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


def test_a_count_of_the_settings_can_come_from_the_environment_R_SEC4(tmp_path):
    show = [
        MONCOMPTE,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.MONCOMPTE['CAPTCHA_NEW_PER_CLIENT'])",
    ]
    env = {
        **os.environ,
        "SECRET_KEY": "k" * 50,
        "MONCOMPTE_VAR_DIR": str(tmp_path),
        "MONCOMPTE_CAPTCHA_NEW_PER_CLIENT": "250",
    }
    shown = subprocess.run(show, env=env, capture_output=True, text=True, check=True).stdout
    assert shown.strip().splitlines()[-1] == "250"


def test_a_count_that_is_not_a_number_is_refused_with_its_name(tmp_path):
    result = run(tmp_path, SECRET_KEY="k" * 50, MONCOMPTE_SIGN_IN_FREE_FAILURES="cinq")
    assert result.returncode != 0
    assert "MONCOMPTE_SIGN_IN_FREE_FAILURES doit être un nombre entier" in result.stderr
