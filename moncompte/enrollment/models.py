from django.db import models

from moncompte.accounts.models import Account


class ProvisionalCode(models.Model):
    """R-CODE1/2: stored only as a keyed digest; single use; several may be live (R-LIM8), all voided when a
    personal code is chosen."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="provisional_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)  # no longer read (entries count per client); to drop
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"])]
        verbose_name = "code provisoire"

    def __str__(self) -> str:
        return f"code provisoire du compte {self.account_id}, émis le {self.created_at:%Y-%m-%d %H:%M}"


class DeviceCredential(models.Model):
    """R-LIM8: a browser's device cookie or an app's device token, given at a sign-in with the personal code.
    Its holder gets codes past the caps others have used up. Only a keyed digest of its secret is stored; the
    row's id is the public half that finds it, so the secret is compared in constant time, never looked up.
    It belongs to one account and one session epoch: a new personal code ends it, as it ends sessions (R-LIM5)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="devices")
    digest = models.CharField(max_length=64)
    session_epoch = models.PositiveIntegerField()
    channel = models.CharField(max_length=8)  # "web" (cookie) or "app" (token)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "appareil de confiance"

    def __str__(self) -> str:
        return f"appareil {self.channel} du compte {self.account_id} jusqu'au {self.expires_at:%Y-%m-%d}"
