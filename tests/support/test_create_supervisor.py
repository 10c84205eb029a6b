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
