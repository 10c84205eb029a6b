from django.db import models

from moncompte.accounts.models import Account


class AppSession(models.Model):
    """R-API2: one signed-in device of the app, and the family of its tokens (a refresh token used twice
    revokes it whole)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="app_sessions")
    device_name = models.CharField(max_length=100)
    session_epoch = models.PositiveIntegerField()  # R-LIM5: a new personal code ends the session
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "session de l'application"

    def __str__(self) -> str:
        return f"{self.device_name} (compte {self.account_id})"


class TokenKind(models.TextChoices):
    ACCESS = "access", "accès (15 minutes)"
    REFRESH = "refresh", "renouvellement (30 jours)"
    RESTRICTED = "restricted", "choix du code personnel (code provisoire)"


class AppToken(models.Model):
    """A token, stored only as its digest; compared by looking the digest up."""

    session = models.ForeignKey(AppSession, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=12, choices=TokenKind.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)  # a refresh (or restricted) token is used once
    # R-API2: a digest of the client that used it: only that client's retry gets the same answer in the grace period
    used_by = models.CharField(max_length=64, blank=True, db_default="")

    class Meta:
        verbose_name = "jeton de l'application"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} jusqu'au {self.expires_at:%Y-%m-%d %H:%M}"
