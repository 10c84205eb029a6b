"""R-BOT2: a request to restart an enrollment, made by one supervisor and decided by another."""

from django.db import models
from django.db.models import F, Q

from moncompte.accounts.models import Account


class RestartStatus(models.TextChoices):
    PENDING = "pending", "en attente d'un second superviseur"
    APPROVED = "approved", "validée"
    REJECTED = "rejected", "refusée"
    EXPIRED = "expired", "expirée"


class IdentityDocument(models.TextChoices):
    """The document the person showed at the counter (the identity checked in person)."""

    ID_CARD = "carte_identite", "carte nationale d'identité"
    PASSPORT = "passeport", "passeport"
    RESIDENCE_PERMIT = "titre_sejour", "titre de séjour"
    DRIVING_LICENCE = "permis_conduire", "permis de conduire"


class RestartRequest(models.Model):
    """One request, decided once. Staff are named by user name, as in the audit log."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="restart_requests")
    status = models.CharField(max_length=10, choices=RestartStatus.choices, default=RestartStatus.PENDING)
    reason = models.CharField(max_length=500)
    identity_document = models.CharField(max_length=20, choices=IdentityDocument.choices)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)  # why it was rejected

    class Meta:
        verbose_name = "demande de reprise de la création"
        constraints = [
            # Two requests for one account would let one supervisor approve their own through the other's.
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="pending"), name="one_pending_restart_per_account"
            ),
            # Four eyes, kept by the database too: whatever the code above it, nobody approves their own request.
            models.CheckConstraint(
                condition=~Q(status="approved", decided_by=F("requested_by")), name="restart_approved_by_another"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="restart_status_expiry")]

    def __str__(self) -> str:
        return f"reprise du compte {self.account_id} ({self.get_status_display()})"


class MailDomain(models.Model):
    """R-SUP4: whether a domain receives mail, as the DNS said when the worker last asked (never during a page).

    `receives_mail` is None when the DNS could not tell (timeout, no resolver, server failure)."""

    domain = models.CharField(max_length=253, unique=True)
    receives_mail = models.BooleanField(null=True)
    checked_at = models.DateTimeField(null=True)  # None: wanted, not asked yet
    wanted_at = models.DateTimeField()  # last time an address at this domain was waiting for its link

    class Meta:
        verbose_name = "domaine de messagerie"

    def __str__(self) -> str:
        return self.domain
