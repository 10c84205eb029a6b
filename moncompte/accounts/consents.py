"""R-CT4/R-CT5: one yes/no question per channel; every decision appended to the ledger."""

from datetime import datetime

from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord

WORDING_VERSION = "2026-11"
QUESTION_EMAIL = (
    "J'autorise l'Assurance Maladie à m'envoyer par email des informations promotionnelles sur ses services"
)
QUESTION_PHONE = "J'autorise l'Assurance Maladie à me communiquer des informations promotionnelles sur ses services"


def channels_for(*, mobile: str, landline: str) -> list[ConsentChannel]:
    """The questions to ask: none about a number the person did not give."""
    channels = [ConsentChannel.EMAIL]
    if mobile:
        channels += [ConsentChannel.MOBILE_CALL, ConsentChannel.MOBILE_SMS]
    if landline:
        channels.append(ConsentChannel.LANDLINE_CALL)
    return channels


def consent_record(
    *, account: Account, channel: ConsentChannel, granted: bool, now: datetime, source: str
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        account=account,
        channel=channel,
        granted=granted,
        at=now,
        wording_version=WORDING_VERSION,
        source=source,
    )


def current(account: Account) -> dict[str, bool]:
    """The last decision per channel."""
    latest: dict[str, bool] = {}
    for channel, granted in (
        ConsentRecord.objects.filter(account=account).order_by("at", "id").values_list("channel", "granted")
    ):
        latest[channel] = granted
    return latest
