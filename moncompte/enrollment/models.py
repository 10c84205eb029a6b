from datetime import datetime

from django.db import models

from moncompte.accounts.models import Account


class ProvisionalCodeQuerySet(models.QuerySet["ProvisionalCode"]):
    def outstanding(self) -> "ProvisionalCodeQuerySet":
        return self.filter(used_at=None, voided_at=None)

    def void_for(self, account: Account, *, now: datetime) -> int:
        return self.outstanding().filter(account=account).update(voided_at=now)


class ProvisionalCode(models.Model):
    """R-CODE1/2: stored only as a keyed digest; single use; voided by a newer code or 5 wrong entries."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="provisional_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)  # no longer read (entries count per client); to drop
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = ProvisionalCodeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"])]
        verbose_name = "code provisoire"

    def __str__(self) -> str:
        return f"code provisoire du compte {self.account_id}, émis le {self.created_at:%Y-%m-%d %H:%M}"
