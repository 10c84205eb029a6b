"""What the account page shows, read in one call (services write, selectors read)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from moncompte.accounts import consents, emails, phones
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.core import tokens
from moncompte.core.queries import datetime_read


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


# Issue 22: the account page (and the app's GET /compte) read the account with its person, then its addresses,
# then the last link of a pending one, then its consents: four ORM queries, 0.4–0.6 ms of Python each against
# 0.07 ms for the same SQL on a cursor (the profile of the performance issue; bench/README.md, issue 22). Here
# one statement: the account, its person and its addresses (two at most, each with its last link's date), and
# each channel's last consent decision (R-CT5), one column each (the channels are the model's own, never input).
def _last_decision(channel: str) -> str:
    return (
        "(SELECT c.granted FROM accounts_consentrecord c "  # noqa: S608 - a channel of ConsentChannel, not input
        f"WHERE c.account_id = a.id AND c.channel = '{channel}' ORDER BY c.at DESC, c.id DESC LIMIT 1)"
    )


_CHANNELS = [channel.value for channel in ConsentChannel]
_OVERVIEW = f"""
    SELECT b.first_name, b.last_name, a.mobile, a.landline,
           e.address, e.confirmed_at, e.undeliverable_at, e.created_at,
           (SELECT MAX(l.sent_at) FROM accounts_emaillink l WHERE l.account_id = a.id AND l.email_id = e.id),
           {", ".join(_last_decision(channel) for channel in _CHANNELS)}
    FROM accounts_account a
    JOIN registry_beneficiary b ON b.id = a.beneficiary_id
    LEFT JOIN accounts_emailaddress e ON e.account_id = a.id
    WHERE a.id = %s
"""  # noqa: S608 - the channels above


@dataclass(frozen=True)
class _Address:
    address: str
    confirmed: bool
    undeliverable: bool
    last_sent_at: datetime  # of its last link, or when it was given


def account_overview(*, account_id: int, now: datetime) -> AccountOverview:
    with connection.cursor() as cursor:
        cursor.execute(_OVERVIEW, [account_id])
        rows = cursor.fetchall()
    if not rows:
        raise Account.DoesNotExist(f"no account {account_id}")
    first_name, last_name, mobile, landline = rows[0][:4]
    granted = rows[0][9:]
    decided = {channel: bool(g) for channel, g in zip(_CHANNELS, granted, strict=True) if g is not None}
    addresses = [
        _Address(
            address=address,
            confirmed=confirmed_at is not None,
            undeliverable=undeliverable_at is not None,
            last_sent_at=datetime_read(last_sent or created_at),
        )
        for address, confirmed_at, undeliverable_at, created_at, last_sent in (row[4:9] for row in rows)
        if address is not None
    ]
    confirmed = next((email for email in addresses if email.confirmed), None)
    pending = next((email for email in addresses if not email.confirmed), None)
    channels = consents.channels_for(mobile=mobile, landline=landline)
    return AccountOverview(
        first_name=first_name,
        last_name=last_name,
        email=confirmed.address if confirmed else "",
        pending_email=pending.address if pending else "",
        pending_email_masked=tokens.mask_email(pending.address) if pending else "",
        pending_window=emails.window_at(pending.last_sent_at, now) if pending else None,
        undeliverable_email_masked=next(
            (tokens.mask_email(e.address) for e in (confirmed, pending) if e and e.undeliverable), ""
        ),
        mobile=phones.display(mobile),
        landline=phones.display(landline),
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
