from django.db import models

from moncompte.accounts.states import AccountState
from moncompte.registry.models import Beneficiary


class Account(models.Model):
    """The online account of one insured person. Its state moves only through states.transition()."""

    beneficiary = models.OneToOneField(Beneficiary, on_delete=models.PROTECT, related_name="account")
    state = models.CharField(max_length=20, choices=AccountState.choices, default=AccountState.PROVISIONAL)
    created_at = models.DateTimeField()
    # The address typed at the identity step, where provisional codes go until an email is confirmed.
    code_email = models.CharField(max_length=254)

    class Meta:
        verbose_name = "compte"

    def __str__(self) -> str:
        return f"compte {self.pk} ({self.get_state_display()})"
