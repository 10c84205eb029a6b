"""Fictitious insured persons for the demo and the tests: valid keys, Corsica, unknown birth month."""

import io
import random
from datetime import date

from moncompte.registry import nir as nir_rules

# Hand-picked rows show each interesting case; the rest are generated.
SHOWCASE = [
    # nir (13),      last,      first,     birth,        postal
    ("1850575056048", "MARTIN", "Vincent", "1985-05-12", "75011"),
    ("2840588321025", "DURAND", "Camille", "1984-05-03", "88100"),
    ("284052A321025", "SANTONI", "Lucia", "1984-05-21", "20000"),
    ("179092B042123", "PAOLI", "Antoine", "1979-09-30", "20200"),
    ("1623099350117", "NGUYEN", "Bao", "1962-01-01", "97200"),
    ("2950113055012", "BERNARD", "Léa", "1995-01-27", "13001"),
]

LAST_NAMES = ["PETIT", "ROBERT", "RICHARD", "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "GARCIA"]
FIRST_NAMES = ["Jeanne", "Paul", "Inès", "Hugo", "Chloé", "Louis", "Nadia", "Karim", "Élise", "Marc"]


# Departments of the generated persons, each giving 900 communes (100 to 999) of 1,000 birth numbers.
DEPARTMENTS = ["75", "92", "93", "94", "91", "95", "77", "78"]
PER_DEPARTMENT = 900_000


def generated_nir(index: int, *, sex: int, birth: date) -> str:
    """R-NIR2: the 13 characters of the index-th generated person, distinct for every index below
    len(DEPARTMENTS) × 900,000 (7.2 million): the commune stays on three digits, a department takes the next
    900,000 (a four-digit commune made every NIR past the 900,000th invalid)."""
    department, within = divmod(index, PER_DEPARTMENT)
    if department >= len(DEPARTMENTS):
        raise ValueError(f"au plus {len(DEPARTMENTS) * PER_DEPARTMENT} personnes générées")
    commune, order = 100 + within // 1000, within % 1000
    return f"{sex}{birth:%y}{birth:%m}{DEPARTMENTS[department]}{commune:03d}{order:03d}"


def generated(count: int, *, seed: int = 1) -> list[tuple[str, str, str, str, str]]:
    """`count` distinct fictitious persons with consistent NIR and birth date (Paris, then Île-de-France)."""
    rng = random.Random(seed)  # noqa: S311 - fictitious data, reproducible on purpose
    rows = []
    for index in range(count):
        birth = date(1940 + rng.randrange(65), 1 + rng.randrange(12), 1 + rng.randrange(28))
        nir = generated_nir(index, sex=1 + index % 2, birth=birth)
        rows.append((nir, rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES), birth.isoformat(), "75011"))
    return rows


def as_csv(rows: list[tuple[str, str, str, str, str]]) -> io.StringIO:
    text = "nir,last_name,first_name,birth_date,postal_code\n" + "".join(
        f"{nir_rules.with_key(nir_rules.Nir(r[0]))},{r[1]},{r[2]},{r[3]},{r[4]}\n" for r in rows
    )
    return io.StringIO(text)
