"""What the account page shows, read in one call (services write, selectors read)."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.accounts import consents, emails, phones
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.core import tokens


@dataclass(frozen=True)
class ConsentLine:
    channel: str
    label: str
    granted: bool | None


@dataclass(frozen=True)
class AccountOverview:
    first_name: str
    last_name: str
    email: str
    pending_email: str  # in full: shown to its signed-in owner, who typed it and may spot a typo (R-EM1)
    pending_email_masked: str
    pending_window: Window | None
    undeliverable_email_masked: str  # R-DLV2: an address of the account the receiving server says does not exist
    mobile: str
    landline: str
    consents: list[ConsentLine]


def account_overview(*, account_id: int, now: datetime) -> AccountOverview:
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    confirmed, pending = emails.confirmed_and_pending_of(account, now=now)
    decided = consents.current(account)
    channels = consents.channels_for(mobile=account.mobile, landline=account.landline)
    return AccountOverview(
        first_name=account.beneficiary.first_name,
        last_name=account.beneficiary.last_name,
        email=confirmed.address if confirmed else "",
        pending_email=pending.email.address if pending else "",
        pending_email_masked=tokens.mask_email(pending.email.address) if pending else "",
        pending_window=pending.window if pending else None,
        undeliverable_email_masked=next(
            (tokens.mask_email(e.address) for e in (confirmed, pending and pending.email) if e and e.undeliverable_at),
            "",
        ),
        mobile=phones.display(account.mobile),
        landline=phones.display(account.landline),
        consents=[ConsentLine(c.value, c.label, decided.get(c.value)) for c in channels],
    )


@dataclass(frozen=True)
class CurrentPhones:
    """The numbers as the phones page shows them again, and the person's current choices, in words."""

    mobile: str  # "06 50 56 42 78", or ""
    landline: str
    mobile_call: str  # "oui", "non", "pas de réponse"
    mobile_sms: str
    landline_call: str


def phones_of(*, account_id: int) -> CurrentPhones:
    account = Account.objects.get(pk=account_id)
    decided = consents.current(account)

    def said(channel: ConsentChannel) -> str:
        granted = decided.get(channel.value)
        return "pas de réponse" if granted is None else ("oui" if granted else "non")

    return CurrentPhones(
        mobile=phones.display(account.mobile),
        landline=phones.display(account.landline),
        mobile_call=said(ConsentChannel.MOBILE_CALL),
        mobile_sms=said(ConsentChannel.MOBILE_SMS),
        landline_call=said(ConsentChannel.LANDLINE_CALL),
    )
