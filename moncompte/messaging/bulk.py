"""R-MSG9: one message to many people by NIR, under an idempotency key: the answer per person (posted, no
account, account not active…), written with the messages in one transaction, so that a retry with the same key
gets the same answer and posts nothing, and the same key with another request is refused."""

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import IntegrityError, transaction

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.accounts.states import AccountState
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError
from moncompte.messaging.models import Letter, LetterOrigin, MessageKind, Posting
from moncompte.messaging.post import LetterText, letters_post
from moncompte.messaging.texts import message_texts_check
from moncompte.registry import nir as nir_rules

CHUNK = 1000  # NIRs looked up per query


class Result(StrEnum):
    POSTED = "posted"
    NO_ACCOUNT = "no_account"
    NOT_ACTIVE = "account_not_active"
    NO_CONSENT = "promotional_not_consented"  # R-MSG6
    INVALID_NIR = "invalid_nir"
    DUPLICATE = "duplicate"  # the same NIR earlier in the same request: answered there


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    message = "Cette clé d'idempotence a déjà servi pour une autre demande : choisissez-en une nouvelle."


class TooManyRecipients(DomainError):
    code = "too_many_recipients"
    field = "nirs"


@dataclass(frozen=True)
class PostingAnswer:
    answers: list[tuple[str, str]]
    replayed: bool  # the key was known: this is the first call's answer, nothing was posted now

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(result for _, result in self.answers))


def _digest(letter: LetterText, nirs: Sequence[str]) -> str:
    canonical = json.dumps([letter.subject, letter.body, letter.kind.value, letter.sender_service, list(nirs)])
    return hashlib.sha256(canonical.encode()).hexdigest()


def _parsed(nirs: Sequence[str]) -> list[tuple[str, str | Result]]:
    """Each NIR as given, with its 13 characters, or why it is answered without looking."""
    seen, out = set[str](), list[tuple[str, str | Result]]()
    for given in nirs:
        try:
            value = nir_rules.parse(given).value
        except nir_rules.NirInvalid:
            out.append((given, Result.INVALID_NIR))
            continue
        out.append((given, Result.DUPLICATE if value in seen else value))
        seen.add(value)
    return out


def _post_all(parsed: list[tuple[str, str | Result]], letter: Letter, client: Client, now: datetime) -> list[str]:
    """Set-based: the accounts found a thousand NIRs per query, the messages written a thousand per statement
    (post.letters_post), the consents read before anything is written (a refusal leaves nothing behind)."""
    wanted = [value for _, value in parsed if not isinstance(value, Result)]
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = Account.objects.filter(beneficiary__nir__in=wanted[start : start + CHUNK])
        found |= {nir: (pk, state) for nir, pk, state in rows.values_list("beneficiary__nir", "pk", "state")}
    active = [pk for pk, state in found.values() if state == AccountState.ACTIVE]
    decisions: dict[int, consents.Decision] | None = None
    if letter.kind == MessageKind.PROMOTIONAL:  # R-MSG6: only to whom the ledger says "oui" now
        decisions = {}
        for start in range(0, len(active), CHUNK):
            latest = consents.latest_records(active[start : start + CHUNK], ConsentChannel.EMAIL)
            decisions |= {account: decision for account, decision in latest.items() if decision.granted}
        active = [account for account in active if account in decisions]
    if active and letter.pk is None:  # this posting's own letter (R-MSG12), saved with its messages
        letter.save(force_insert=True)
    letters_post(account_ids=active, letter=letter, client=client, now=now, consents=decisions)
    posted = set(active)
    results = list[str]()
    for _, value in parsed:
        if isinstance(value, Result):
            results.append(value.value)
        elif (account := found.get(value)) is None:
            results.append(Result.NO_ACCOUNT.value)
        elif account[1] != AccountState.ACTIVE:
            results.append(Result.NOT_ACTIVE.value)
        else:
            results.append(Result.POSTED.value if account[0] in posted else Result.NO_CONSENT.value)
    return results


def messages_post_to_nirs(
    *,
    service: str,
    idempotency_key: str,
    letter: LetterText,
    nirs: Sequence[str],
    client: Client,
    now: datetime,
    into: Letter | None = None,
) -> PostingAnswer:
    """`into`: the letter of the campaign this posting is a batch of (R-MSG10); without it, the posting's messages
    get a letter of their own (R-MSG12)."""
    subject, body = message_texts_check(subject=letter.subject, body=letter.body)
    letter = LetterText(subject, body, letter.sender_service, letter.kind)
    limit = conf().internal_api_max_recipients
    if not nirs or len(nirs) > limit:
        raise TooManyRecipients(f"Une demande porte sur 1 à {limit} numéros de sécurité sociale ({len(nirs)} reçus).")
    digest = _digest(letter, nirs)
    known = _known(service, idempotency_key, digest)
    if known is not None:
        return known
    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                service=service, idempotency_key=idempotency_key, request_digest=digest, created_at=now
            )
            row = into or _letter_of(letter, now)
            results = _post_all(_parsed(nirs), row, client, now)
            posting.answers = [[given, result] for given, result in zip(nirs, results, strict=True)]
            posting.save(update_fields=["answers"])
    except IntegrityError:  # the same key at the same time: the other call posted, this one answers as it did
        found = _known(service, idempotency_key, digest)
        if found is None:
            raise
        return found
    return PostingAnswer([(given, result) for given, result in posting.answers], replayed=False)


def _known(service: str, idempotency_key: str, digest: str) -> PostingAnswer | None:
    found = Posting.objects.filter(service=service, idempotency_key=idempotency_key).first()
    if found is None:
        return None
    if found.request_digest != digest:
        raise IdempotencyKeyReused()
    return PostingAnswer([(given, result) for given, result in found.answers], replayed=True)


def _letter_of(text: LetterText, now: datetime) -> Letter:
    """The letter of one call of the internal API, not yet saved: only a posting that posts something keeps it."""
    return Letter(
        subject=text.subject,
        body=text.body,
        sender_service=text.sender_service,
        kind=text.kind,
        origin=LetterOrigin.BULK,
        created_at=now,
    )
