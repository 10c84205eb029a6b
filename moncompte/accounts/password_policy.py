"""The personal code rules R-PW1..6 and R-PW10, and their checklist (R-PW7). Each refusal says which rule failed,
in French, and which line of the checklist it is: the page lists these lines and the app's refusal names them."""

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
class ChecklistLine:
    """What the personal code must do, as the checklist beside the field says it (R-PW7)."""

    name: str  # stable: the page's data-rule, and the `id` of a failed rule in the app's refusal
    text: str  # "comporter entre 8 et 50 caractères"
    characters: str = ""  # the characters it is about, said after the text
    live: bool = True  # ticked as the person types; the NIR and the birth date are checked once sent

    @property
    def label(self) -> str:
        return f"{self.text} ({self.characters})" if self.characters else self.text


def checklist() -> tuple[ChecklistLine, ...]:
    """The checklist's lines, in the page's order."""
    least, most = conf().personal_code_min_length, conf().personal_code_max_length
    return (
        ChecklistLine("length", f"comporter entre {least} et {most} caractères"),
        ChecklistLine("cases", "contenir des caractères latins minuscules et majuscules"),
        ChecklistLine("digit_or_special", "contenir un chiffre ou un caractère spécial", " ".join(SPECIALS)),
        ChecklistLine("allowed", "ne contenir que des caractères autorisés"),
        ChecklistLine("common", "ne pas être un code parmi les plus utilisés (comme Azerty123 ou Motdepasse1)"),
        ChecklistLine(
            "personal_data",
            "ne pas contenir votre n° de sécurité sociale, votre date de naissance ou une partie de celle-ci",
            live=False,
        ),
    )


# R-PW6 has no line of its own on the page: the confirmation field says it.
CONFIRMATION = ChecklistLine("confirmation", "être saisi une seconde fois, à l'identique, dans la confirmation")


def line_of(name: str) -> ChecklistLine:
    return next((line for line in checklist() if line.name == name), CONFIRMATION)


@dataclass(frozen=True)
class Refusal:
    rule: str  # "R-PW1"
    message: str  # what the page says under the field
    line: str  # the checklist's line (ChecklistLine.name)


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
        Refusal(
            "R-PW1",
            f"Votre code doit comporter entre {least} et {most} caractères (il en a {len(password)}).",
            "length",
        )
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
                "allowed",
            )
        )
    if not (any(c in LOWER for c in password) and any(c in UPPER for c in password)):
        refusals.append(Refusal("R-PW3", "Votre code doit contenir au moins une minuscule et une majuscule.", "cases"))
    if not any(c in DIGITS or c in SPECIALS for c in password):
        message = "Votre code doit contenir au moins un chiffre ou un caractère spécial."
        refusals.append(Refusal("R-PW3", message, "digit_or_special"))
    return refusals


def _personal_data(password: str, nir: str, birth_date: date) -> list[Refusal]:
    refusals = []
    upper, nir = password.upper(), nir.upper()
    if any(nir[i : i + NIR_WINDOW] in upper for i in range(len(nir) - NIR_WINDOW + 1)):
        refusals.append(
            Refusal(
                "R-PW4",
                "Votre code ne doit pas contenir votre numéro de sécurité sociale ni une partie de celui-ci.",
                "personal_data",
            )
        )
    if any(part in password for part in _birth_date_parts(birth_date)):
        refusals.append(
            Refusal(
                "R-PW5",
                "Votre code ne doit pas contenir votre date de naissance ni une partie de celle-ci.",
                "personal_data",
            )
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
            "common",
        )
    ]


def check(*, password: str, confirmation: str | None, nir: str, birth_date: date) -> list[Refusal]:
    """Every rule the code breaks (empty when it is accepted)."""
    refusals = _length(password) + _characters(password) + _personal_data(password, nir, birth_date)
    refusals += _common_refusal(password)
    if confirmation is not None and confirmation != password:
        refusals.append(Refusal("R-PW6", "La confirmation ne correspond pas au code saisi.", CONFIRMATION.name))
    return refusals
