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


class MessageBox(models.Model):
    """Per account, when the last notification email left (R-MSG5: at most one per interval while unread)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="message_box")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "boîte de messages"

    def __str__(self) -> str:
        return f"messagerie du compte {self.account_id}"
