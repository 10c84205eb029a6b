"""Messages posted through the real use case, and people made in bulk, for the tests of « Ma messagerie »."""

from datetime import date, datetime

from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.core.client import Client
from moncompte.messaging.models import Letter, LetterOrigin, Message, MessageKind
from moncompte.messaging.post import LetterText, letter_create, message_post
from moncompte.registry.models import Beneficiary
from tests.helpers import NOW

SERVICE = Client("10.0.0.5", "service-test", channel="internal")


def post(account_id: int, now: datetime, subject: str = "Votre attestation", body: str = "Bonjour.", **more) -> Message:
    more.setdefault("sender_service", "Caisse primaire des Vosges")
    more.setdefault("kind", MessageKind.NORMAL)
    return message_post(account_id=account_id, subject=subject, body=body, client=SERVICE, now=now, **more)


def stored(text: LetterText, origin: LetterOrigin = LetterOrigin.BULK) -> Letter:
    """The letter of a posting in bulk (R-MSG12), for the tests that post with letters_post."""
    return letter_create(text, origin=origin, now=NOW)


def nir_of(n: int) -> str:
    return f"1850175{n:06d}"


def people(count: int, *, active: bool = True) -> list[str]:
    """Accounts made directly (the journey's use cases cost an Argon2id hash each)."""
    beneficiaries = Beneficiary.objects.bulk_create(
        Beneficiary(
            nir=nir_of(n), last_name="DURAND", first_name="Alix", birth_date=date(1985, 1, 1), postal_code="75001"
        )
        for n in range(count)
    )
    state = AccountState.ACTIVE if active else AccountState.PROVISIONAL
    accounts = Account.objects.bulk_create(
        Account(beneficiary=b, state=state, created_at=NOW, code_email=f"p{b.pk}@example.fr") for b in beneficiaries
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(account=a, address=a.code_email, canonical=a.code_email, created_at=NOW, confirmed_at=NOW)
        for a in accounts
    )
    return [b.nir for b in beneficiaries]
