from django.db import models
from django.db.models import Q

from moncompte.outbox.reports import ReportKind


class EmailStatus(models.TextChoices):
    PENDING = "pending", "en attente"
    SENT = "sent", "accepté par notre serveur d'envoi"
    FAILED = "failed", "abandonné"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", "envoi en cours"
    SENT = "sent", "accepté par notre serveur d'envoi"
    RETRY = "retry", "échec, nouvel essai prévu"
    FAILED = "failed", "échec, abandonné"
    UNKNOWN = "unknown", "issue inconnue (envoi interrompu)"
    # R-DLV1: the whole message went out and the server did not answer in time: it may well have it.
    NO_ANSWER = "no_answer", "issue inconnue (message transmis, pas de réponse du serveur)"


class Lane(models.IntegerChoices):
    """R-DLV5: which emails a sender takes first. A code or a link is awaited by someone at a screen; a
    notification of the message box is not: it uses what the first lane leaves."""

    FIRST = 0, "codes, liens et avis de sécurité"
    NOTIFICATIONS = 1, "notifications de la messagerie"


PENDING = Q(status="pending")


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
    message_id = models.CharField(max_length=200, blank=True)  # chosen at enqueue, the same at every try
    claim = models.PositiveIntegerField(default=0)  # fencing number, one more at every claim by a worker
    request_id = models.CharField(max_length=32, blank=True)  # the web request that caused it, for the logs
    # R-MSG7: the one-click unsubscribe address (RFC 8058), a token: emptied with the bodies once delivered.
    list_unsubscribe = models.CharField(max_length=500, blank=True, db_default="")
    lane = models.PositiveSmallIntegerField(choices=Lane.choices, default=Lane.FIRST, db_default=Lane.FIRST)
    # R-DLV6: the slot of its provider's pace this notification waits for, already reserved (cleared when claimed).
    slot_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # R-DLV5: the claim's order (lane first), over the pending rows only, however deep the campaign's queue.
            models.Index(fields=["lane", "next_attempt_at", "id"], condition=PENDING, name="outbox_due_by_lane"),
        ]
        verbose_name = "courriel"

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_masked}"


class DeliveryAttempt(models.Model):
    """One try to hand an email to the SMTP server: written before the exchange ("sending"), completed after
    it with the outcome and what the server said; one left "sending" by a dead worker becomes "unknown"."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    smtp_reply = models.TextField(blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "tentative de remise"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class DeliveryReport(models.Model):
    """R-DLV2: what the receiving side reported after accepting the message: a bounce (RFC 3464) or a
    complaint (RFC 5965), attached to the message its envelope sender (VERP) named."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="reports")
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    status = models.CharField(max_length=20, blank=True)
    diagnostic = models.CharField(max_length=500, blank=True)
    reporter = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64)  # the same report received twice is kept once

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = "rapport de remise"
        constraints = [models.UniqueConstraint(fields=["email", "fingerprint"], name="one_report_per_fingerprint")]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()}"


class ProviderPace(models.Model):
    """R-DLV6: the pace of one receiving provider's notifications, shared by every worker: the next free slot,
    and the share of its setting it runs at (halved by a 4xx, doubled back after a calm minute)."""

    provider = models.CharField(max_length=40, primary_key=True)
    next_slot_at = models.DateTimeField()
    factor = models.FloatField(default=1.0)
    calm_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "rythme d'un fournisseur"

    def __str__(self) -> str:
        return f"{self.provider} ({self.factor:.0%})"
