"""The personal code rules R-PW1..6. Each refusal says which rule failed, in French."""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from moncompte.accounts.strength import WORDS_FILE
from moncompte.core.conf import conf

SPECIALS = "?!$€£@&(-+_)=*%/<>,.;"
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"
ALLOWED = frozenset(LOWER + UPPER + DIGITS + SPECIALS)
NIR_WINDOW = 6


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str


def _refused_char(char: str) -> str:
    names = {" ": "L'espace", "\t": "La tabulation"}
    return names.get(char, f"Le caractère « {char} »")


def _birth_date_parts(birth: date) -> list[str]:
    """R-PW5: the forms of the birth date a personal code must not contain."""
    dd, mm, yyyy, yy = (
        f"{birth.day:02d}",
        f"{birth.month:02d}",
        f"{birth.year:04d}",
        f"{birth.year % 100:02d}",
    )
    parts = [mm + yyyy, dd + mm, yyyy]
    for sep in ("", "/", "-", "."):
        parts += [
            sep.join((dd, mm, yyyy)),
            sep.join((yyyy, mm, dd)),
            sep.join((dd, mm, yy)),
            sep.join((yy, mm, dd)),
        ]
    return parts


@cache
def _common() -> frozenset[str]:
    return frozenset(json.loads(WORDS_FILE.read_text())["passwords"])


def is_common(password: str) -> bool:
    """R-PW10: one of the 10,000 most common passwords (French first, then international), as typed or
    with the digits and special characters people add at the end ("Azerty123", "Soleil!")."""
    lower = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in password)
    return lower in _common() or lower.rstrip(DIGITS + SPECIALS) in _common()


def _length(password: str) -> list[Refusal]:
    least, most = conf().personal_code_min_length, conf().personal_code_max_length
    if least <= len(password) <= most:
        return []
    return [
        Refusal("R-PW1", f"Votre code doit comporter entre {least} et {most} caractères (il en a {len(password)}).")
    ]


def _characters(password: str) -> list[Refusal]:
    refusals = []
    bad = next((c for c in password if c not in ALLOWED), None)
    if bad is not None:
        refusals.append(
            Refusal(
                "R-PW2",
                f"{_refused_char(bad)} n'est pas autorisé. Utilisez des lettres latines "
                f"sans accent, des chiffres ou ces caractères spéciaux : {' '.join(SPECIALS)}",
            )
        )
    if not (any(c in LOWER for c in password) and any(c in UPPER for c in password)):
        refusals.append(Refusal("R-PW3", "Votre code doit contenir au moins une minuscule et une majuscule."))
    if not any(c in DIGITS or c in SPECIALS for c in password):
        refusals.append(Refusal("R-PW3", "Votre code doit contenir au moins un chiffre ou un caractère spécial."))
    return refusals


def _personal_data(password: str, nir: str, birth_date: date) -> list[Refusal]:
    refusals = []
    upper, nir = password.upper(), nir.upper()
    if any(nir[i : i + NIR_WINDOW] in upper for i in range(len(nir) - NIR_WINDOW + 1)):
        refusals.append(
            Refusal(
                "R-PW4",
                "Votre code ne doit pas contenir votre numéro de sécurité sociale ni une partie de celui-ci.",
            )
        )
    if any(part in password for part in _birth_date_parts(birth_date)):
        refusals.append(
            Refusal("R-PW5", "Votre code ne doit pas contenir votre date de naissance ni une partie de celle-ci.")
        )
    return refusals


def _common_refusal(password: str) -> list[Refusal]:
    if not is_common(password):
        return []
    return [
        Refusal(
            "R-PW10",
            "Ce code fait partie des codes les plus utilisés, que l'on essaie en premier : choisissez-en un "
            "plus personnel.",
        )
    ]


def check(*, password: str, confirmation: str | None, nir: str, birth_date: date) -> list[Refusal]:
    """Every rule the code breaks (empty when it is accepted)."""
    refusals = _length(password) + _characters(password) + _personal_data(password, nir, birth_date)
    refusals += _common_refusal(password)
    if confirmation is not None and confirmation != password:
        refusals.append(Refusal("R-PW6", "La confirmation ne correspond pas au code saisi."))
    return refusals
