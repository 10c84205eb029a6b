"""R-REG1: import the registry from CSV. All or nothing; every bad line reported with its number."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from django.db import transaction

from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary

HEADER = ["nir", "last_name", "first_name", "birth_date", "postal_code"]
BATCH = 2000
NAME_MAX = 100  # the columns of registry.Beneficiary


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_row(row: dict[str, str]) -> Beneficiary:
    problems = []
    try:
        nir = nir_rules.parse(row["nir"])
    except nir_rules.NirInvalid as error:
        problems.append(f"nir : {error.message}")
        nir = None
    try:
        birth = date.fromisoformat(row["birth_date"].strip())
    except ValueError:
        problems.append(f"birth_date : « {row['birth_date']} » n'est pas une date AAAA-MM-JJ")
        birth = None
    if nir is not None and birth is not None:
        try:
            nir_rules.check_birth_date(nir, birth)
        except nir_rules.NirBirthMismatch:
            problems.append("nir : incohérent avec birth_date (année ou mois)")
    postal = row["postal_code"].strip()
    if not (len(postal) == 5 and postal.isdigit()):
        problems.append(f"postal_code : « {postal} » n'est pas un code postal à 5 chiffres")
    last, first = row["last_name"].strip(), row["first_name"].strip()
    for name, value in (("last_name", last), ("first_name", first)):
        if not value:
            problems.append(f"{name} : vide")
        elif len(value) > NAME_MAX:
            problems.append(f"{name} : {len(value)} caractères, {NAME_MAX} au plus")
    if problems or nir is None or birth is None:
        raise ValueError(" ; ".join(problems))
    return Beneficiary(nir=nir.value, last_name=last, first_name=first, birth_date=birth, postal_code=postal)


def decoded(data: bytes) -> tuple[str, list[tuple[int, str]]]:
    """The file as text, line by line: a line that is not UTF-8 or holds a NUL byte is a bad line (its
    number and why), not a crash; a UTF-16 file is said to be one."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", [(1, "le fichier est en UTF-16 : enregistrez-le en UTF-8")]
    lines, errors = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            if b"\x00" in raw:
                raise ValueError("octet nul : la ligne est illisible")
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            errors.append((number, "caractères hors UTF-8 (fichier en Latin-1 ?) : enregistrez le fichier en UTF-8"))
            lines.append("")
        except ValueError as error:
            errors.append((number, str(error)))
            lines.append("")
    return "\n".join(lines), errors


def read(source: TextIO) -> tuple[list[Beneficiary], list[tuple[int, str]]]:
    reader = csv.DictReader(source)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        return [], [(1, f"en-tête illisible : {error}")]
    if fieldnames is None or [f.strip() for f in fieldnames] != HEADER:
        return [], [(1, f"en-tête attendu : {','.join(HEADER)} (trouvé : {','.join(fieldnames or [])})")]
    rows: list[Beneficiary] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, row in _rows(reader, errors):
        if None in row or any(v is None for v in row.values()):
            errors.append((line, f"{len(HEADER)} colonnes attendues"))
            continue
        try:
            beneficiary = _parse_row(row)
        except ValueError as error:
            errors.append((line, str(error)))
            continue
        if beneficiary.nir in seen:
            errors.append((line, f"nir : déjà présent à la ligne {seen[beneficiary.nir]}"))
            continue
        seen[beneficiary.nir] = line
        rows.append(beneficiary)
    return rows, errors


def _rows(reader: csv.DictReader[str], errors: list[tuple[int, str]]) -> Iterable[tuple[int, dict[str, str]]]:
    """The rows with their line numbers; a line the CSV reader cannot read is a bad line, and reading goes on."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append((reader.line_num, f"ligne illisible : {error}"))
            continue
        yield reader.line_num, row


def _same(a: Beneficiary, b: Beneficiary) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in HEADER)


def _chunks(items: list[Beneficiary]) -> Iterable[list[Beneficiary]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def beneficiaries_import(*, source: TextIO, bad_lines: list[tuple[int, str]] | None = None) -> ImportReport:
    """All or nothing (R-REG1): any bad line, in `bad_lines` (from decoding) or found here, imports nothing."""
    rows, errors = read(source)
    report = ImportReport(errors=(bad_lines or []) + errors)
    if report.errors:
        return report
    with transaction.atomic():
        for chunk in _chunks(rows):
            existing = Beneficiary.objects.in_bulk([b.nir for b in chunk], field_name="nir")
            new = [b for b in chunk if b.nir not in existing]
            changed = []
            for b in chunk:
                old = existing.get(b.nir)
                if old is None:
                    continue
                if _same(old, b):
                    report.unchanged += 1
                else:
                    b.pk = old.pk
                    changed.append(b)
            Beneficiary.objects.bulk_create(new)
            Beneficiary.objects.bulk_update(changed, ["last_name", "first_name", "birth_date", "postal_code"])
            report.created += len(new)
            report.updated += len(changed)
    return report
