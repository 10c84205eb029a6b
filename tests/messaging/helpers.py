"""Messages posted through the real use case, for the tests of « Ma messagerie »."""

from datetime import datetime

from moncompte.core.client import Client
from moncompte.messaging.models import Message, MessageKind
from moncompte.messaging.post import message_post

SERVICE = Client("10.0.0.5", "service-test", channel="internal")


def post(account_id: int, now: datetime, subject: str = "Votre attestation", body: str = "Bonjour.", **more) -> Message:
    more.setdefault("sender_service", "Caisse primaire des Vosges")
    more.setdefault("kind", MessageKind.NORMAL)
    return message_post(account_id=account_id, subject=subject, body=body, client=SERVICE, now=now, **more)
