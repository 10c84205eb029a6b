"""R-REG1: import the registry from CSV. All or nothing; every bad line reported with its number."""

import contextlib
import csv
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from django.db import connection, transaction

from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary
from moncompte.registry.postal_code import PostalCodeInvalid, postal_code_parse

logger = logging.getLogger("moncompte.registry")
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


Person = tuple[str, str, str, date, str]  # nir, last_name, first_name, birth_date, postal_code (HEADER's order)


def _parse_row(row: list[str]) -> Person:
    raw_nir, raw_last, raw_first, raw_birth, raw_postal = row
    problems = []
    try:
        nir = nir_rules.parse(raw_nir)
    except nir_rules.NirInvalid as error:
        problems.append(f"nir : {error.message}")
        nir = None
    try:
        birth = date.fromisoformat(raw_birth.strip())
    except ValueError:
        problems.append(f"birth_date : « {raw_birth} » n'est pas une date AAAA-MM-JJ")
        birth = None
    if nir is not None and birth is not None:
        try:
            nir_rules.check_birth_date(nir, birth)
        except nir_rules.NirBirthMismatch:
            problems.append("nir : incohérent avec birth_date (année ou mois)")
    try:
        postal = postal_code_parse(raw_postal)  # R-ID1: five ASCII digits, as the identity step reads them
    except PostalCodeInvalid:
        problems.append(f"postal_code : « {raw_postal.strip()} » n'est pas un code postal à 5 chiffres (0 à 9)")
        postal = ""
    last, first = raw_last.strip(), raw_first.strip()
    for name, value in (("last_name", last), ("first_name", first)):
        if not value:
            problems.append(f"{name} : vide")
        elif len(value) > NAME_MAX:
            problems.append(f"{name} : {len(value)} caractères, {NAME_MAX} au plus")
    if problems or nir is None or birth is None:
        raise ValueError(" ; ".join(problems))
    return nir.value, last, first, birth, postal


MAX_LINE_BYTES = 4096  # a registry line is under 300 bytes; a longer one is not a line of this file
SAVE_AS_UTF8 = (
    "ouvrez-le dans votre tableur et enregistrez-le au format « CSV UTF-8 » "
    "(ou, dans un éditeur de texte, avec l'encodage UTF-8), puis importez-le de nouveau"
)
WIDE_MARKS = [  # UTF-32 first: its little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
]


def wide_encoding_of(first_line: bytes) -> str | None:
    """R-REG1: the encoding of a file written in 2 or 4 bytes per character, told by its byte-order mark or,
    without one, by the header's ASCII letters each followed (or preceded) by NUL bytes; None for anything else."""
    marked = next((name for mark, name in WIDE_MARKS if first_line.startswith(mark)), None)
    if marked is not None:
        return marked
    nuls = first_line.count(b"\x00")
    if nuls * 4 >= len(first_line) * 3 - 4:  # 3 bytes of 4 are NUL: UTF-32 without its mark
        return "UTF-32" if nuls else None
    if nuls * 2 >= len(first_line) - 2:  # every other byte is NUL: UTF-16 without its mark
        return "UTF-16"
    return None


def decoded_lines(binary: BinaryIO, errors: list[tuple[int, str]]) -> Iterator[str]:
    """The file's lines as text, one at a time and never more than MAX_LINE_BYTES in memory: a line that is not
    UTF-8, holds a NUL byte or is too long (a file whose lines end with CR alone reads as one line) is a bad
    line (its number and why, in `errors`), not a crash; a UTF-16 file is said to be one."""
    number = 0
    while raw := binary.readline(MAX_LINE_BYTES + 1):
        number += 1
        if number == 1 and (wide := wide_encoding_of(raw)) is not None:
            errors.append((1, f"le fichier est en {wide}, pas en UTF-8 : {SAVE_AS_UTF8}"))
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            errors.append((number, f"ligne de plus de {MAX_LINE_BYTES} octets (fins de ligne CR seules ?) : ignorée"))
            while raw and not raw.endswith(b"\n"):  # the rest of the line, read in pieces
                raw = binary.readline(MAX_LINE_BYTES + 1)
            yield "\n"
            continue
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
    found here, imports nothing. The file is streamed: constant memory whatever its size.

    Checked lines go to a temporary table of this connection (no index, no journal on PostgreSQL; gone with the
    connection, so an import killed midway leaves nothing behind), duplicates are found in SQL, and the people
    who changed are merged into the registry in one transaction.
    """
    errors = bad_lines if bad_lines is not None else []
    started = time.monotonic()
    with transaction.atomic(), _staging_table() as table:
        _stage(source, table, errors)
        read = time.monotonic()
        errors.extend(_duplicates(table))
        checked = time.monotonic()
        report = ImportReport(errors=sorted(errors))
        if not report.errors:
            _merge(table, report)
    # How long each phase took, for whoever runs a national file (and bench/registry_import.py).
    logger.info(
        "référentiel : lu et vérifié en %.1f s, doublons cherchés en %.1f s, fusionné en %.1f s",
        read - started,
        checked - read,
        time.monotonic() - checked,
    )
    return report


STAGING = "registry_import_staging"


@contextlib.contextmanager
def _staging_table() -> Iterator[str]:
    """A temporary table inside the import's transaction: a failure rolls its creation back with everything
    else, and a killed process takes it with its connection."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # A national file takes minutes: the statement timeout set for web requests (deploy/) is lifted for
            # this transaction only.
            cursor.execute("SET LOCAL statement_timeout = 0")
        # Left by an earlier import of this same transaction (tests nest imports in one): never mixed in.
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (line integer NOT NULL, nir varchar(13) NOT NULL, "
            "last_name varchar(100) NOT NULL, first_name varchar(100) NOT NULL, birth_date date NOT NULL, "
            f"postal_code varchar(5) NOT NULL){' ON COMMIT DROP' if postgresql else ''}"
        )
    yield STAGING
    if not postgresql:  # SQLite keeps temporary tables until the connection closes
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {STAGING}")


def _stage(source: Iterable[str], table: str, errors: list[tuple[int, str]]) -> None:
    reader = csv.reader(source)
    try:
        header = next(reader, None)
    except csv.Error as error:
        errors.append((1, f"en-tête illisible : {error}"))
        return
    if header is None and any(line == 1 for line, _ in errors):
        return  # the file could not be read at all (UTF-16): that reason alone, not a missing header too
    if header is None or [f.strip() for f in header] != HEADER:
        errors.append((1, f"en-tête attendu : {','.join(HEADER)} (trouvé : {','.join(header or [])})"))
        return
    with _writer(table) as stage:
        for line, row in _rows(reader, errors):
            if not row:  # an empty line, or one already reported as unreadable
                continue
            if len(row) != len(HEADER):
                errors.append((line, f"{len(HEADER)} colonnes attendues"))
                continue
            try:
                person = _parse_row(row)
            except ValueError as error:
                errors.append((line, str(error)))
                continue
            stage((line, *person))


STAGED_COLUMNS = ("line", *HEADER)


@contextlib.contextmanager
def _writer(table: str) -> Iterator[Callable[[tuple[object, ...]], None]]:
    """Where checked lines go: PostgreSQL's COPY (one stream, the fastest way in), else batched inserts."""
    columns = ", ".join(STAGED_COLUMNS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            yield copy.write_row
        return
    pending: list[Any] = []
    insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(STAGED_COLUMNS))})"  # noqa: S608

    def add(values: tuple[object, ...]) -> None:
        pending.append(values)
        if len(pending) >= BATCH:
            with connection.cursor() as cursor:
                cursor.executemany(insert, pending)
            pending.clear()

    yield add
    with connection.cursor() as cursor:
        cursor.executemany(insert, pending)


def _duplicates(table: str) -> list[tuple[int, str]]:
    """Every line whose NIR came earlier in the file, found in SQL (no set of NIRs in memory)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line, s.nir, f.first FROM {table} s JOIN (SELECT nir, MIN(line) AS first "  # noqa: S608
            f"FROM {table} GROUP BY nir HAVING COUNT(*) > 1) f ON f.nir = s.nir "
            "WHERE s.line <> f.first ORDER BY s.line"
        )
        return [(line, f"nir : déjà présent à la ligne {first}") for line, _, first in cursor.fetchall()]


def _merge(table: str, report: ImportReport) -> None:
    """Changed people updated, new ones inserted, in SQL over the staged lines (inside the import's transaction)."""
    registry = Beneficiary._meta.db_table
    columns = ", ".join(HEADER)
    same = " AND ".join(f"b.{f} = s.{f}" for f in HEADER)
    with connection.cursor() as cursor:
        if not Beneficiary.objects.exists():
            # The first import of a registry: nobody to compare with or update, every line is a new person.
            # In NIR order: the NIR indexes then grow at their end instead of taking random inserts, which
            # stop fitting in memory at national size.
            cursor.execute(f"INSERT INTO {registry} ({columns}) SELECT {columns} FROM {table} ORDER BY nir")  # noqa: S608
            report.created = cursor.rowcount
            return
        cursor.execute(
            f"SELECT COUNT(*), COUNT(b.nir), "  # noqa: S608 - names from the models
            f"SUM(CASE WHEN {same} THEN 1 ELSE 0 END) FROM {table} s LEFT JOIN {registry} b ON b.nir = s.nir"
        )
        total, known, unchanged = cursor.fetchone()
        report.unchanged = int(unchanged or 0)
        report.created = int(total) - int(known)
        report.updated = int(known) - report.unchanged
        assignments = ", ".join(f"{f} = s.{f}" for f in HEADER[1:])
        differs = " OR ".join(f"{registry}.{f} <> s.{f}" for f in HEADER[1:])
        cursor.execute(  # only the people who changed: an import of the same file writes nothing
            f"UPDATE {registry} SET {assignments} FROM {table} s "  # noqa: S608
            f"WHERE s.nir = {registry}.nir AND ({differs})"
        )
        cursor.execute(
            f"INSERT INTO {registry} ({columns}) SELECT {columns} FROM {table} s "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {registry} b WHERE b.nir = s.nir) ORDER BY s.nir"
        )


def _rows(reader: Any, errors: list[tuple[int, str]]) -> Iterable[tuple[int, list[str]]]:
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
