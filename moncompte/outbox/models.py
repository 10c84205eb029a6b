from django.db import models


class EmailStatus(models.TextChoices):
    PENDING = "pending", "en attente"
    SENT = "sent", "remis au serveur de messagerie"
    FAILED = "failed", "abandonné"


class OutboundEmail(models.Model):
    """R-MAIL1: one email, written in the transaction of the change that causes it.

    `body_*` carry the secret (code, link) until delivery, then are emptied; `shown_*` are the same message
    with secrets masked, kept for support agents ("I never got the email").
    """

    template = models.CharField(max_length=60)
    to_address = models.CharField(max_length=254)
    to_masked = models.CharField(max_length=254)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    shown_text = models.TextField()
    shown_html = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = "courriel"

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_masked}"


class DeliveryAttempt(models.Model):
    """One try to hand an email to the SMTP server: when, outcome, what the server said."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=20)
    smtp_reply = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "tentative de remise"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.outcome}"
