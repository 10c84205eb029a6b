"""The personal code rules R-PW1..6. Each refusal says which rule failed, in French."""

from dataclasses import dataclass
from datetime import date

MIN_LENGTH, MAX_LENGTH = 8, 50
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


def check(*, password: str, confirmation: str | None, nir: str, birth_date: date) -> list[Refusal]:
    """Every rule the code breaks (empty when it is accepted)."""
    refusals = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        refusals.append(
            Refusal("R-PW1", f"Votre code doit comporter entre 8 et 50 caractères (il en a {len(password)}).")
        )
    bad = next((c for c in password if c not in ALLOWED), None)
    if bad is not None:
        refusals.append(
            Refusal(
                "R-PW2",
                f"{_refused_char(bad)} n'est pas autorisé. Utilisez des lettres latines "
                f"sans accent, des chiffres ou ces caractères spéciaux : {' '.join(SPECIALS)}",
            )
        )
    has_lower = any(c in LOWER for c in password)
    has_upper = any(c in UPPER for c in password)
    if not (has_lower and has_upper):
        refusals.append(Refusal("R-PW3", "Votre code doit contenir au moins une minuscule et une majuscule."))
    if not any(c in DIGITS or c in SPECIALS for c in password):
        refusals.append(Refusal("R-PW3", "Votre code doit contenir au moins un chiffre ou un caractère spécial."))
    upper = password.upper()
    nir = nir.upper()
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
    if confirmation is not None and confirmation != password:
        refusals.append(Refusal("R-PW6", "La confirmation ne correspond pas au code saisi."))
    return refusals
