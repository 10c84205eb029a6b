"""« Ma messagerie » (R-MSG*): the messages the Assurance Maladie's services post to an account."""

from django.db import models
from django.db.models import Q

from moncompte.accounts.models import Account


class MessageKind(models.TextChoices):
    NORMAL = "normal", "message"
    # R-MSG6: posted only to a person whose email consent is "oui" at posting.
    PROMOTIONAL = "promotional", "information promotionnelle"


UNREAD = Q(read_at__isnull=True, deleted_at__isnull=True)


class Message(models.Model):
    """One message in one account's box: plain text, shown escaped (R-MSG3). Deleting hides it for good; the
    row stays for the audit trail of what was posted."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sender_service = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.NORMAL)
    posted_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "message"
        indexes = [
            # The box, newest first, without the deleted ones.
            models.Index(
                fields=["account", "-posted_at", "-id"], condition=Q(deleted_at__isnull=True), name="message_box_newest"
            ),
            # The unread count in the header of every signed-in page: only the unread rows are in it.
            models.Index(fields=["account"], condition=UNREAD, name="message_box_unread"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} du compte {self.account_id}"


class NoticeDue(models.Model):
    """R-MSG5: a message whose notification is still to be decided, written with the message. Workers take these
    a batch at a time as their notifications lane runs low (notify.py), decide, queue and delete them in one
    transaction: a posting of a million messages queues no email, and none is lost or queued twice.

    Narrow on purpose, and no foreign key to check per row: a message gone with its account is skipped."""

    message_id = models.BigIntegerField(primary_key=True)
    account_id = models.BigIntegerField()

    class Meta:
        verbose_name = "notification à décider"

    def __str__(self) -> str:
        return f"notification du message {self.message_id}"


class MessageBox(models.Model):
    """Per account, when the last notification email left (R-MSG5: at most one per interval while unread)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="message_box")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "boîte de messages"

    def __str__(self) -> str:
        return f"messagerie du compte {self.account_id}"


class ServiceCredential(models.Model):
    """R-MSG8: the credential of one of the Assurance Maladie's services on the internal API. The secret is
    kept as a keyed digest only; two may be active at once per service (rotation without downtime)."""

    service = models.CharField(max_length=100)
    key_id = models.CharField(max_length=32, unique=True)  # the public part of the token, to find the row
    digest = models.CharField(max_length=64)
    scopes = models.CharField(max_length=200)  # space-separated
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "accès d'un service"

    def __str__(self) -> str:
        return f"{self.service} ({self.key_id}{', révoqué' if self.revoked_at else ''})"


class Posting(models.Model):
    """R-MSG9: one call of a service (or one batch of a campaign) under its idempotency key, with the answer per
    person: written in the transaction of its messages, so a retry finds it and never posts twice."""

    service = models.CharField(max_length=100)
    idempotency_key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)  # the same key with another request is refused
    created_at = models.DateTimeField()
    answers = models.JSONField(default=list)  # [[the NIR as given, result], …] in the request's order

    class Meta:
        verbose_name = "dépôt groupé"
        constraints = [models.UniqueConstraint(fields=["service", "idempotency_key"], name="one_posting_per_key")]

    def __str__(self) -> str:
        return f"{self.service} : {self.idempotency_key}"
