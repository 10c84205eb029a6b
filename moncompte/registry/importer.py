"""R-REG1: import the registry from CSV. All or nothing; every bad line reported with its number."""

import contextlib
import csv
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef

from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary, StagedBeneficiary

HEADER = ["nir", "last_name", "first_name", "birth_date", "postal_code"]
BATCH = 5000
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


def decoded_lines(binary: BinaryIO, errors: list[tuple[int, str]]) -> Iterator[str]:
    """The file's lines as text, one at a time: a line that is not UTF-8 or holds a NUL byte is a bad line
    (its number and why, in `errors`), not a crash; a UTF-16 file is said to be one."""
    for number, raw in enumerate(binary, start=1):
        if number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            errors.append((1, "le fichier est en UTF-16 : enregistrez-le en UTF-8"))
            return
        try:
            if b"\x00" in raw:
                raise ValueError("octet nul : la ligne est illisible")
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            errors.append((number, "caractères hors UTF-8 (fichier en Latin-1 ?) : enregistrez le fichier en UTF-8"))
            yield "\n"
        except ValueError as error:
            errors.append((number, str(error)))
            yield "\n"


def beneficiaries_import(*, source: Iterable[str], bad_lines: list[tuple[int, str]] | None = None) -> ImportReport:
    """All or nothing (R-REG1): any bad line, in `bad_lines` (from decoding, filled as the source is read) or
    found here, imports nothing. The file is streamed: constant memory whatever its size."""
    errors = bad_lines if bad_lines is not None else []
    batch = secrets.token_hex(16)
    try:
        _stage(source, batch, errors)
        errors.extend(_duplicates(batch))
        report = ImportReport(errors=sorted(errors))
        if not report.errors:
            _merge(batch, report)
        return report
    finally:
        StagedBeneficiary.objects.filter(batch=batch).delete()


def _stage(source: Iterable[str], batch: str, errors: list[tuple[int, str]]) -> None:
    reader = csv.DictReader(source)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        errors.append((1, f"en-tête illisible : {error}"))
        return
    if fieldnames is None or [f.strip() for f in fieldnames] != HEADER:
        errors.append((1, f"en-tête attendu : {','.join(HEADER)} (trouvé : {','.join(fieldnames or [])})"))
        return
    with _staging(batch) as stage:
        for line, row in _rows(reader, errors):
            if None in row or any(v is None for v in row.values()):
                errors.append((line, f"{len(HEADER)} colonnes attendues"))
                continue
            try:
                person = _parse_row(row)
            except ValueError as error:
                errors.append((line, str(error)))
                continue
            stage((batch, line, *(getattr(person, f) for f in HEADER)))


STAGED_COLUMNS = ("batch", "line", *HEADER)


@contextlib.contextmanager
def _staging(batch: str) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """Where checked lines go: PostgreSQL's COPY (one stream, the fastest way in), else batched inserts."""
    if connection.vendor == "postgresql":
        table, columns = StagedBeneficiary._meta.db_table, ", ".join(STAGED_COLUMNS)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            yield copy.write_row
        return
    pending: list[StagedBeneficiary] = []

    def add(values: tuple[object, ...]) -> None:
        pending.append(StagedBeneficiary(**dict(zip(STAGED_COLUMNS, values, strict=True))))
        if len(pending) >= BATCH:
            StagedBeneficiary.objects.bulk_create(pending)
            pending.clear()

    yield add
    StagedBeneficiary.objects.bulk_create(pending)


def _duplicates(batch: str) -> list[tuple[int, str]]:
    """Every line whose NIR came earlier in the file, found in SQL (no set of NIRs in memory)."""
    staged = StagedBeneficiary.objects.filter(batch=batch)
    first = staged.values("nir").annotate(first=Min("line"), copies=Count("id")).filter(copies__gt=1)
    first_line = {row["nir"]: row["first"] for row in first}
    repeated = staged.filter(nir__in=list(first_line)).order_by("line").values_list("line", "nir")
    return [
        (line, f"nir : déjà présent à la ligne {first_line[nir]}") for line, nir in repeated if line != first_line[nir]
    ]


def _merge(batch: str, report: ImportReport) -> None:
    """One transaction: changed people updated, new ones inserted, in SQL over the staged lines."""
    staged = StagedBeneficiary.objects.filter(batch=batch)
    same = Beneficiary.objects.filter(nir=OuterRef("nir"), **{f: OuterRef(f) for f in HEADER[1:]})
    known = Beneficiary.objects.filter(nir=OuterRef("nir"))
    table, staging = Beneficiary._meta.db_table, StagedBeneficiary._meta.db_table
    columns = ", ".join(HEADER)
    with transaction.atomic(), connection.cursor() as cursor:
        report.unchanged = staged.filter(Exists(same)).count()
        report.created = staged.exclude(Exists(known)).count()
        report.updated = staged.count() - report.unchanged - report.created
        assignments = ", ".join(f"{f} = s.{f}" for f in HEADER[1:])
        differs = " OR ".join(f"{table}.{f} <> s.{f}" for f in HEADER[1:])
        cursor.execute(  # only the people who changed: an import of the same file writes nothing
            f"UPDATE {table} SET {assignments} FROM {staging} s "  # noqa: S608 - names from the models
            f"WHERE s.batch = %s AND s.nir = {table}.nir AND ({differs})",
            [batch],
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} s WHERE s.batch = %s "  # noqa: S608
            f"AND NOT EXISTS (SELECT 1 FROM {table} b WHERE b.nir = s.nir)",
            [batch],
        )


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
