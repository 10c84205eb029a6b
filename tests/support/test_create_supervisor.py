"""`moncompte create_supervisor` (R-SUP1): the password typed twice, or read from the environment with --noinput."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from moncompte.support.management.commands.create_supervisor import authenticator_qr

pytestmark = pytest.mark.django_db
PASSWORD = "Superviseur-du-support-2026"


def typed(monkeypatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    replies = iter(answers)

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def test_the_password_is_asked_twice_and_the_supervisor_created(monkeypatch, capsys):
    prompts = typed(monkeypatch, PASSWORD, PASSWORD)
    call_command("create_supervisor", "marie.martin")
    assert prompts == ["Mot de passe : ", "Mot de passe (encore) : "]
    assert User.objects.filter(username="marie.martin").exists()
    said = capsys.readouterr().out.splitlines()
    assert said[:2] == [
        "Superviseur « marie.martin » créé.",
        "Enregistrez ce second facteur dans une application d'authentification (il ne sera plus affiché) :",
    ]
    assert said[2].startswith("otpauth://totp/")
    assert said[3] == "ou scannez ce code avec l'application :"
    assert "\n".join(said[4:]) + "\n" == authenticator_qr(said[2])  # the same address, drawn for a terminal
    assert "▄" in said[6]


def test_two_different_passwords_create_nobody(monkeypatch):
    typed(monkeypatch, PASSWORD, PASSWORD + "!")
    with pytest.raises(CommandError) as refused:
        call_command("create_supervisor", "marie.martin")
    assert str(refused.value) == "Les deux mots de passe diffèrent."
    assert not User.objects.exists()


def test_noinput_takes_the_password_from_the_environment_variable(settings):
    settings.SUPERVISOR_PASSWORD = PASSWORD
    call_command("create_supervisor", "marie.martin", "--noinput")
    assert User.objects.filter(username="marie.martin").exists()


def test_noinput_without_the_environment_variable_is_refused_as_too_short(settings):
    settings.SUPERVISOR_PASSWORD = ""
    with pytest.raises(CommandError, match="Mot de passe refusé") as refused:
        call_command("create_supervisor", "marie.martin", "--noinput")
    assert str(refused.value) == (
        "Mot de passe refusé : Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."
    )
    assert not User.objects.exists()


def test_every_reason_a_password_is_refused_for_is_said(settings):
    settings.SUPERVISOR_PASSWORD = "azerty"
    with pytest.raises(CommandError) as refused:
        call_command("create_supervisor", "marie.martin", "--noinput")
    assert str(refused.value) == (
        "Mot de passe refusé : Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères. "
        "Ce mot de passe est trop courant."
    )


def qr_error_level(drawn: str) -> str:
    """The error correction level a QR code drawn for a terminal carries, read from its format information (ISO/IEC
    18004, beside the top-left finder). Each character is two modules, one above the other; dark is a space."""
    rows: list[list[bool]] = []
    for line in drawn.splitlines():
        rows += [[c in " ▄" for c in line], [c in " ▀" for c in line]]
    modules = [row[4:] for row in rows[4:]]  # the quiet zone: 4 modules
    cells = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    bits = int("".join("1" if modules[r][c] else "0" for r, c in cells), 2) ^ 0b101010000010010
    return {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}[bits >> 13]


def test_the_qr_code_is_drawn_with_error_correction_m_to_be_read_off_a_screen():
    """Level M (15 % of the code may be lost to glare or a crease); left to itself, the library would draw this
    address at the smallest level, L."""
    address = "otpauth://totp/moncompte:marie.martin?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=moncompte"
    assert qr_error_level(authenticator_qr(address)) == "M"
