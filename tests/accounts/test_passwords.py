from moncompte.accounts import passwords


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
