"""Contact details step: email (unique), phones, consents; then a confirmation link (R-CT1..5, R-EM1/2)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from moncompte.accounts import consents, emails
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.accounts.states import AccountEvent
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.core.client import Client
from moncompte.enrollment.email_links import link_send
from moncompte.enrollment.queries import account_with_person


@dataclass(frozen=True)
class ContactDetails:
    email: str
    mobile: str  # E.164 or ""
    landline: str  # E.164 or ""
    consents: dict[ConsentChannel, bool]


def contact_submit(*, account_id: int, details: ContactDetails, client: Client, now: datetime) -> str:
    """Returns the masked address the link went to. Raises EmailTaken (R-CT2) or LinkResendLimited."""
    with emails.refused_email_claims_counted(account_id=account_id, now=now), transaction.atomic():
        account = account_with_person(account_id=account_id, locked=True)
        email = emails.claim_pending(account=account, address=details.email, now=now)
        if (account.mobile, account.landline) != (details.mobile, details.landline):  # read just above, locked
            Account.objects.filter(pk=account.pk).update(mobile=details.mobile, landline=details.landline)
        for channel in consents.channels_for(mobile=details.mobile, landline=details.landline):
            consents.consent_record(
                account=account, channel=channel, granted=details.consents[channel], now=now, source="inscription"
            )
        masked = link_send(account=account, email=email, now=now)
        account_advance(account, event=AccountEvent.CONTACT_GIVEN, now=now)
        audit.record(event="contact_details_given", now=now, account_id=account.pk, client=client, email=masked)
    return masked
