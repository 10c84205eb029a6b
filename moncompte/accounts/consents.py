"""R-CT4/R-CT5: one yes/no question per channel; every decision appended to the ledger."""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Final, NamedTuple

from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.core.queries import row_insert

WORDING_VERSION = "2026-11"
QUESTION_EMAIL = (
    "J'autorise l'Assurance Maladie à m'envoyer par email des informations promotionnelles sur ses services"
)


def channels_for(*, mobile: str, landline: str) -> list[ConsentChannel]:
    """The questions to ask: none about a number the person did not give."""
    channels = [ConsentChannel.EMAIL]
    if mobile:
        channels += [ConsentChannel.MOBILE_CALL, ConsentChannel.MOBILE_SMS]
    if landline:
        channels.append(ConsentChannel.LANDLINE_CALL)
    return channels


class ConsentAnswerMissing(DomainError):
    code = "consent_missing"
    message = "Répondez par oui ou par non."


class ConsentAnswerInvalid(ConsentAnswerMissing):
    code = "consent_invalid"


ANSWERS: Final[Mapping[object, bool]] = {"oui": True, "non": False, True: True, False: False}


def consent_answer_parse(raw: object) -> bool | None:
    """R-CT4: a yes or a no, as the page's buttons say it ("oui", "non") or the app's JSON (true, false); None
    when the question was left unanswered (which `consents_check` refuses for a question that was asked)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, (str, bool)) and raw in ANSWERS:
        return ANSWERS[raw]
    raise ConsentAnswerInvalid()


def consents_check(*, answers: Mapping[ConsentChannel, bool | None], mobile: str, landline: str) -> None:
    """R-CT4: every question asked has its answer (no answer is ticked in advance); a number not given asks
    nothing. Each unanswered question is refused on its own field (consent_<channel>)."""
    missing = [
        ConsentAnswerMissing(field=f"consent_{channel.value}")
        for channel in channels_for(mobile=mobile, landline=landline)
        if answers.get(channel) is None
    ]
    if missing:
        raise InputsRefused(missing)


def consent_record(
    *, account: Account, channel: ConsentChannel, granted: bool, now: datetime, source: str
) -> ConsentRecord:
    record = ConsentRecord(
        account=account, channel=channel, granted=granted, at=now, wording_version=WORDING_VERSION, source=source
    )
    # Issue 22: one row per channel asked on the contact step; through the ORM's save(), 0.3 % of the web processes'
    # Python time under SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench --redis`).
    row_insert(record)
    return record


def current(account: Account) -> dict[str, bool]:
    """The last decision per channel."""
    latest: dict[str, bool] = {}
    for channel, granted in (
        ConsentRecord.objects.filter(account=account).order_by("at", "id").values_list("channel", "granted")
    ):
        latest[channel] = granted
    return latest


def latest_record(account_id: int, channel: ConsentChannel) -> ConsentRecord | None:
    """The decision in force for one channel (R-CT5: the last one counts), or None if never asked."""
    return ConsentRecord.objects.filter(account_id=account_id, channel=channel).order_by("-at", "-id").first()


class Decision(NamedTuple):
    record: int
    granted: bool
    at: datetime


def latest_records(account_ids: Collection[int], channel: ConsentChannel) -> dict[int, Decision]:
    """The decision in force for one channel of each of many accounts (a campaign's batch), in one query; an
    account never asked is absent."""
    latest: dict[int, Decision] = {}
    rows = ConsentRecord.objects.filter(account_id__in=account_ids, channel=channel).order_by(
        "account_id", "-at", "-id"
    )
    for account_id, record, granted, at in rows.values_list("account_id", "pk", "granted", "at"):
        latest.setdefault(account_id, Decision(record, granted, at))
    return latest
