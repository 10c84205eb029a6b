"""« Mon compte »: the person changes or removes their phone numbers, each with its consents (R-CT3, R-CT6)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.audit import log as audit
from moncompte.core.client import Client


@dataclass(frozen=True)
class PhonesGiven:
    mobile: str  # E.164 or "" (removed, or none)
    landline: str
    consents: dict[ConsentChannel, bool]  # the answers to the questions of the numbers given


def phones_change(
    *, account_id: int, phones: PhonesGiven, client: Client, now: datetime, source: str = "compte"
) -> None:
    """R-CT6: the numbers replaced. Each number goes with its consents: the answers given for a number are
    recorded when they differ from the ledger's or the number changed (a consent is to call that number);
    a number removed takes its consents with it (recorded "no" where the last answer was "yes"). `source`: where
    the decision was given (R-CT5: "compte" on the web, "app" in the ameli app)."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        before = consents.current(account)
        asked = consents.channels_for(mobile=phones.mobile, landline=phones.landline)
        changed = {
            ConsentChannel.MOBILE_CALL: phones.mobile != account.mobile,
            ConsentChannel.MOBILE_SMS: phones.mobile != account.mobile,
            ConsentChannel.LANDLINE_CALL: phones.landline != account.landline,
        }
        recorded: dict[str, bool] = {}
        for channel in changed:
            granted = phones.consents.get(channel, False) if channel in asked else False
            if channel not in asked and not before.get(channel.value):
                continue  # no number, and no "yes" to take back
            if changed[channel] or before.get(channel.value) is not granted:
                consents.consent_record(account=account, channel=channel, granted=granted, now=now, source=source)
                recorded[channel.value] = granted
        Account.objects.filter(pk=account.pk).update(mobile=phones.mobile, landline=phones.landline)
        audit.record(
            event="phones_changed",
            now=now,
            account_id=account.pk,
            client=client,
            mobile_changed=changed[ConsentChannel.MOBILE_CALL],
            landline_changed=changed[ConsentChannel.LANDLINE_CALL],
            consents=recorded,
        )
