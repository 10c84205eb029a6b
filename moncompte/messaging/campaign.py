"""R-MSG10: a campaign posts one message to every NIR of a file, in batches that are each one posting under an
idempotency key derived from the campaign (bulk.py): after a kill, the same command again finds the batches
already posted and posts only the rest; nothing is posted twice. Duplicates and unreadable NIRs of the whole
file are answered before anything is posted; every refusal goes to the report."""

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import IntegrityError, transaction

from moncompte.audit.log import record
from moncompte.core.client import Client
from moncompte.messaging.bulk import Result, messages_post_to_nirs
from moncompte.messaging.models import Letter, LetterOrigin
from moncompte.messaging.post import LetterText, letter_create
from moncompte.messaging.texts import message_texts_check
from moncompte.registry import nir as nir_rules

REASONS = {
    Result.NO_ACCOUNT.value: "pas de compte",
    Result.NOT_ACTIVE.value: "compte pas encore ouvert",
    Result.NO_CONSENT.value: "pas de consentement aux informations promotionnelles par email",
    Result.INVALID_NIR.value: "numéro de sécurité sociale illisible",
    Result.DUPLICATE.value: "numéro déjà présent plus haut dans le fichier",
}


@dataclass
class CampaignRun:
    key: str
    total: int = 0  # NIRs to post to (unique and readable)
    done: int = 0
    batches_replayed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, NIR as given, reason)


def _nirs_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, first column) of each line, a header line "nir" skipped."""
    with path.open(newline="", encoding="utf-8-sig") as lines:
        for number, row in enumerate(csv.reader(lines), start=1):
            value = row[0].strip() if row else ""
            if value and not (number == 1 and value.lower() == "nir"):
                yield number, value


def campaign_key(*, path: Path, letter: LetterText) -> str:
    """The same file and the same message make the same campaign: running it again resumes it."""
    digest = hashlib.sha256(f"{letter.sender_service}\0{letter.kind}\0{letter.subject}\0{letter.body}\0".encode())
    with path.open("rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def _plan(path: Path, run: CampaignRun) -> None:
    """The first reading: every unreadable or repeated NIR refused before anything is posted. It keeps one
    integer per distinct NIR (its 13 characters read in base 36), not the lines: a million fit in 70 MB."""
    seen = set[int]()
    for number, given in _nirs_of(path):
        try:
            value = nir_rules.parse(given).value
        except nir_rules.NirInvalid:
            run.refused.append((number, given, Result.INVALID_NIR.value))
            continue
        if (key := int(value, 36)) in seen:
            run.refused.append((number, given, Result.DUPLICATE.value))
            continue
        seen.add(key)
        run.total += 1


def _batches(path: Path, refused: set[int], size: int) -> Iterator[list[tuple[int, str]]]:
    """The second reading: the NIRs to post, `size` at a time, in the file's order."""
    batch = list[tuple[int, str]]()
    for number, given in _nirs_of(path):
        if number not in refused:
            batch.append((number, nir_rules.parse(given).value))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def campaign_post(
    *,
    path: Path,
    letter: LetterText,
    batch_size: int,
    client: Client,
    now: Callable[[], datetime],
    progress: Callable[[CampaignRun], None] = lambda run: None,
) -> CampaignRun:
    """Posts batch after batch, each in its own transaction (bulk.py), all pointing to the campaign's one letter
    (R-MSG12); memory stays that of one batch."""
    subject, body = message_texts_check(subject=letter.subject, body=letter.body)
    letter = LetterText(subject, body, letter.sender_service, letter.kind)
    run = CampaignRun(key=campaign_key(path=path, letter=letter))
    _plan(path, run)
    row = _letter_of(run.key, letter, now())
    refused_lines = {number for number, _, _ in run.refused}
    for index, batch in enumerate(_batches(path, refused_lines, batch_size)):
        answer = messages_post_to_nirs(
            service=letter.sender_service,
            idempotency_key=f"campagne-{run.key}-{index}",
            letter=letter,
            nirs=[value for _, value in batch],
            client=client,
            now=now(),
            into=row,
        )
        run.batches_replayed += answer.replayed
        for (number, value), (_, result) in zip(batch, answer.answers, strict=True):
            run.counts[result] = run.counts.get(result, 0) + 1
            if result != Result.POSTED.value:
                run.refused.append((number, value, result))
        run.done += len(batch)
        progress(run)
    run.refused.sort()
    record(
        event="campaign_run", now=now(), client=client, campaign=run.key, letter=row.pk, total=run.total,
        counts=run.counts,
    )  # fmt: skip
    return run


def _letter_of(key: str, text: LetterText, now: datetime) -> Letter:
    """The campaign's letter: made by its first run, found again by a run that resumes it."""
    found = Letter.objects.filter(campaign=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return letter_create(text, origin=LetterOrigin.CAMPAIGN, now=now, campaign=key)
    except IntegrityError:  # the same campaign started twice at once: the other run made it
        return Letter.objects.get(campaign=key)


def report_write(run: CampaignRun, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ligne", "nir", "motif"])
        for number, given, result in run.refused:
            writer.writerow([number, given, REASONS.get(result, result)])
