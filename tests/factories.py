"""Accounts at each step of the journey, built through the real use cases."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.accounts.models import Account, ConsentChannel, EmailLink
from moncompte.core.client import Client
from moncompte.enrollment.contact_submit import ContactDetails, contact_submit
from moncompte.enrollment.email_links import email_confirm
from moncompte.enrollment.password_choose import password_choose
from moncompte.outbox.models import OutboundEmail
from moncompte.selfservice.sign_in import sign_in
from tests.helpers import SentCode

PERSONAL_CODE = "Vacances-Bretagne-42"
CLIENT = Client("203.0.113.7", "pytest")


def last_link_token(to: str) -> str:
    """The token of the latest confirmation link emailed to `to` (read from the email before delivery)."""
    email = OutboundEmail.objects.filter(template="email_confirmation", to_address=to).latest("id")
    line = next(line for line in email.body_text.splitlines() if "/email/" in line)
    return line.strip().rstrip("/").rsplit("/", 1)[1]


@dataclass
class Journey:
    account: Account
    now: datetime

    def refresh(self) -> Account:
        self.account.refresh_from_db()
        return self.account


def with_personal_code(code_sent: SentCode, now: datetime) -> Journey:
    signed = sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now)
    chosen = password_choose(
        account_id=signed.account_id, password=PERSONAL_CODE, confirmation=PERSONAL_CODE, client=CLIENT, now=now
    )
    return Journey(Account.objects.get(pk=chosen.account_id), now)


def details(
    email: str = "camille@example.fr", mobile: str = "", landline: str = "", yes: tuple[str, ...] = ()
) -> ContactDetails:
    return ContactDetails(
        email=email,
        mobile=mobile,
        landline=landline,
        consents={channel: channel.value in yes for channel in ConsentChannel},
    )


def with_link_sent(code_sent: SentCode, now: datetime, email: str = "camille@example.fr") -> Journey:
    journey = with_personal_code(code_sent, now)
    contact_submit(account_id=journey.account.pk, details=details(email), client=CLIENT, now=now)
    journey.refresh()
    return journey


def active(code_sent: SentCode, now: datetime, email: str = "camille@example.fr") -> Journey:
    journey = with_link_sent(code_sent, now, email)
    email_confirm(token=last_link_token(email), client=CLIENT, now=now)
    journey.refresh()
    return journey


def link_count(account: Account) -> int:
    return EmailLink.objects.filter(account=account).count()
