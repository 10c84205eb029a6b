import pytest

from moncompte.accounts import passwords

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def test_codes_are_stored_with_argon2id_at_19_mib_2_passes_1_lane_R_PW8():
    stored = passwords.hash_password("Vacances-Bretagne-42")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "Vacances" not in stored


def test_verification_accepts_only_the_same_code_R_PW8():
    stored = passwords.hash_password("Vacances-Bretagne-42")
    assert passwords.verify(stored, "Vacances-Bretagne-42")
    assert not passwords.verify(stored, "vacances-Bretagne-42")
    assert not passwords.verify("", "Vacances-Bretagne-42")
    assert not passwords.verify("not-a-hash", "x")


def test_each_process_counts_the_cpu_its_argon2id_work_takes():
    before = dict(passwords.cpu_spent)
    stored = passwords.hash_password("Vacances-Bretagne-42")
    passwords.verify(stored, "wrong")
    assert passwords.cpu_spent["operations"] == before["operations"] + 2
    assert passwords.cpu_spent["seconds"] > before["seconds"]


def test_the_argon2id_cpu_is_reported(caplog):
    passwords.hash_password("Vacances-Bretagne-42")
    with caplog.at_level("INFO", logger="moncompte.passwords"):
        passwords.cpu_report()
    assert "argon2id:" in caplog.text
    assert "s CPU" in caplog.text
