"""The NIR (numéro de sécurité sociale): normalisation, structure, key and birth consistency.

R-NIR1..5. python-stdnum computes the key (including Corsica); the structure rules are ours.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from stdnum.fr import nir as stdnum_nir

from moncompte.core.errors import DomainError

HINT = "13 ou 15 caractères, ex. 2 84 05 88 321 025"
# Issue 23: a refusal says where to look again (the number is printed on both).
KEY_MISMATCH = (
    "La clé (les 2 derniers chiffres) ne correspond pas au numéro : vérifiez votre saisie avec votre carte Vitale "
    "ou votre attestation de droits."
)


class NirInvalid(DomainError):
    code = "nir_invalid"
    field = "nir"


class NirTemporary(NirInvalid):
    code = "nir_temporary"
    message = (
        "Ce numéro est un numéro provisoire (il commence par 5, 6, 7 ou 8). La création d'un compte "
        "nécessite votre numéro de sécurité sociale définitif, qui commence par 1 ou 2 : vous le trouverez "
        "sur votre carte Vitale ou votre attestation de droits."
    )


class NirBirthMismatch(NirInvalid):
    code = "nir_birth_mismatch"
    message = (
        "Le numéro de sécurité sociale ne correspond pas à la date de naissance saisie : les chiffres 2 et 3 "
        "donnent l'année de naissance, les chiffres 4 et 5 le mois. Vérifiez les deux champs : le numéro figure sur "
        "votre carte Vitale et sur votre attestation de droits."
    )


@dataclass(frozen=True)
class Nir:
    """A structurally valid NIR, stored without its key (13 characters)."""

    value: str

    @property
    def year(self) -> int:
        return int(self.value[1:3])

    @property
    def month(self) -> int | None:
        month = int(self.value[3:5])
        return month if 1 <= month <= 12 else None

    @property
    def key(self) -> str:
        return stdnum_nir.calc_check_digits(self.value)

    def __str__(self) -> str:
        return self.value


def normalize(raw: str) -> str:
    """R-NIR1: strip spaces and dots, upper-case."""
    return re.sub(r"[\s.]", "", raw).upper()


# A NIR as registry files write it, and as most people type it: sex 1 or 2, a known or unknown month, a
# department (2A, 2B for Corsica), six digits, the key or not. It needs no normalisation nor diagnosis. ASCII
# digits only: \d alone also matches « ２ » or « ٣ », which would reach the registry as typed.
WELL_FORMED = re.compile(r"[12]\d\d(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d\d|2[AB])\d{6}(?:\d\d)?", re.ASCII)


def parse(raw: str) -> Nir:
    """R-NIR1..4. Raises NirInvalid with a message that says what is wrong."""
    if WELL_FORMED.fullmatch(raw):  # the common case, a third of the cost (the registry import reads millions)
        nir = Nir(raw[:13])
        if len(raw) == 15 and raw[13:] != nir.key:
            raise NirInvalid(KEY_MISMATCH)
        return nir
    value = normalize(raw)
    if not value:
        raise NirInvalid("Saisissez votre numéro de sécurité sociale.")
    bad = next((c for c in value if not (c.isascii() and c.isalnum())), None)
    if bad is not None:
        raise NirInvalid(f"Le caractère « {bad} » n'est pas accepté : seuls des chiffres sont attendus.")
    if len(value) not in (13, 15):
        raise NirInvalid(
            f"Le numéro doit comporter 13 caractères, ou 15 avec la clé : vous en avez saisi {len(value)}."
        )
    if value[0] in "5678":
        raise NirTemporary()
    if value[0] not in "12":
        raise NirInvalid("Le premier chiffre (le sexe) doit être 1 ou 2.")
    if not value[1:5].isdigit():
        raise NirInvalid("Les chiffres 2 à 5 (année et mois de naissance) doivent être des chiffres.")
    month = int(value[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 99):
        raise NirInvalid(
            f"Les chiffres 4 et 5 (mois de naissance) valent {value[3:5]} : ils doivent être compris "
            "entre 01 et 12 (ou entre 20 et 99 si le mois est inconnu)."
        )
    if not re.fullmatch(r"\d\d|2A|2B", value[5:7], re.ASCII):
        raise NirInvalid(
            f"Les caractères 6 et 7 (département de naissance) valent {value[5:7]} : "
            "attendu deux chiffres, ou 2A / 2B pour la Corse."
        )
    if not value[7:].isdigit():
        raise NirInvalid("Après le département, le numéro ne contient que des chiffres.")
    nir = Nir(value[:13])
    if len(value) == 15 and value[13:] != nir.key:
        raise NirInvalid(KEY_MISMATCH)
    return nir


def check_birth_date(nir: Nir, birth_date: date) -> None:
    """R-NIR5: NIR year = birth year mod 100; a known NIR month = birth month."""
    if nir.year != birth_date.year % 100 or (nir.month is not None and nir.month != birth_date.month):
        raise NirBirthMismatch()


def with_key(nir: Nir) -> str:
    return nir.value + nir.key


def display(nir: Nir) -> str:
    """'2 84 05 88 321 025 32', the way it is printed on the Vitale card."""
    v = with_key(nir)
    return " ".join([v[0], v[1:3], v[3:5], v[5:7], v[7:10], v[10:13], v[13:15]])


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d%m%Y", "%Y-%m-%d")


class BirthDateInvalid(DomainError):
    code = "birth_date_invalid"
    field = "birth_date"
    message = "Saisissez la date au format JJ/MM/AAAA, par exemple 03/05/1984."


class BirthDateImpossible(BirthDateInvalid):
    code = "birth_date_impossible"
    message = "Cette date de naissance n'est pas possible : vérifiez l'année."


class BirthDateNonexistent(BirthDateInvalid):
    """Written in one of the formats, but no such day in the calendar (31/02/1985, 29/02/1985, 03/13/1984)."""

    code = "birth_date_nonexistent"
    message = "Cette date n'existe pas : vérifiez le jour et le mois."


# The shapes of DATE_FORMATS, whatever the numbers: a day and a month with one separator throughout, then the year;
# the app's year first; eight digits only when they read as a day (01-31) and a month (01-12), so that a year
# typed first (19840503) is asked in the right format rather than said not to exist.
DATE_SHAPES = (
    re.compile(r"\d{1,2}([/.\- ])\d{1,2}\1\d{4}", re.ASCII),
    re.compile(r"\d{4}-\d{1,2}-\d{1,2}", re.ASCII),
    re.compile(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{4}", re.ASCII),
)


def birth_date_parse(raw: str, *, today: date) -> date:
    """A birth date as people type it (03/05/1984, 03-05-1984, 03051984…) or as the app sends it (1984-05-03)."""
    text = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time of day)
        except ValueError:
            continue
        if parsed.year < 1900 or parsed > today:
            raise BirthDateImpossible()
        return parsed
    if any(shape.fullmatch(text) for shape in DATE_SHAPES):
        raise BirthDateNonexistent()
    raise BirthDateInvalid()
