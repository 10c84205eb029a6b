"""« Ma messagerie » (R-MSG*): the messages the Assurance Maladie's services post to an account."""

from django.db import models
from django.db.models import Q

from moncompte.accounts.models import Account
from moncompte.outbox.models import OutboundEmail


class MessageKind(models.TextChoices):
    NORMAL = "normal", "message"
    # R-MSG6: posted only to a person whose email consent is "oui" at posting.
    PROMOTIONAL = "promotional", "information promotionnelle"


class LetterOrigin(models.TextChoices):
    SINGLE = "single", "message seul"
    BULK = "bulk", "dépôt groupé"  # one call of the internal API (R-MSG9)
    CAMPAIGN = "campaign", "campagne (fichier)"  # every batch of one `moncompte campaign` (R-MSG10)


class Letter(models.Model):
    """R-MSG12: what one posting sends — subject, body, sender, kind — stored once and pointed to by each of its
    messages: a campaign of a million is one letter, not a million copies of its text."""

    subject = models.CharField(max_length=200)
    body = models.TextField()
    sender_service = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.NORMAL)
    origin = models.CharField(max_length=20, choices=LetterOrigin.choices)
    created_at = models.DateTimeField()
    # R-MSG10: the campaign's key (its file and message): every batch, after a restart too, finds the same letter.
    campaign = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "courrier"
        indexes = [
            # The desk's campaigns, newest first (R-MSG13), without the messages posted alone.
            models.Index(
                fields=["-created_at", "-id"], condition=~Q(origin="single"), name="letter_posted_in_bulk_newest"
            )
        ]

    def __str__(self) -> str:
        return f"courrier {self.pk} ({self.get_origin_display()})"


UNREAD = Q(read_at__isnull=True, deleted_at__isnull=True)


class Message(models.Model):
    """One message in one account's box: its letter's text, shown escaped (R-MSG3). Deleting hides it for good;
    the row stays for the audit trail of what was posted."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    # Null only for a message the previous release posted during the upgrade that added letters: it still
    # carries its own texts in the four old_* columns, which this release no longer writes (their db_default)
    # and reads only through `texts`. A later release drops them (migrations 0004, 0005). No foreign key for the
    # database to check per row (a campaign writes a million): the letter is written first, in the same code.
    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="messages", db_constraint=False
    )
    old_subject = models.CharField(max_length=200, db_column="subject", db_default="")
    old_body = models.TextField(db_column="body", db_default="")
    old_sender_service = models.CharField(max_length=100, db_column="sender_service", db_default="")
    old_kind = models.CharField(
        max_length=20, choices=MessageKind.choices, db_column="kind", db_default=MessageKind.NORMAL
    )
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

    @property
    def texts(self) -> "Letter":
        """What was posted: its letter, or for a message without one (see `letter`) its own columns."""
        if self.letter is not None:
            return self.letter
        return Letter(
            subject=self.old_subject, body=self.old_body, sender_service=self.old_sender_service, kind=self.old_kind
        )


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


class Notice(models.Model):
    """R-MSG13: the notification email that announced a message of a letter, for the desk's campaign figures
    (sent, refused, unsubscribed); it goes with the email when the outbox deletes it (OUTBOX_RETENTION_DAYS)."""

    email = models.OneToOneField(OutboundEmail, on_delete=models.CASCADE, primary_key=True, related_name="notice")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="notices", db_index=False)
    account_id = models.BigIntegerField()
    # R-MSG7: the person withdrew the email consent with this notification's one-click link.
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification d'un courrier"
        # A letter's notices (the desk's figures), and one person's among them (a one-click unsubscribe).
        indexes = [models.Index(fields=["letter", "account_id"], name="notice_letter_account")]

    def __str__(self) -> str:
        return f"notification {self.email_id} du courrier {self.letter_id}"


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
