from typing import Any

from django.db import models
from django.db.models import Q

from moncompte.accounts.states import AccountState
from moncompte.registry.models import Beneficiary


class Account(models.Model):
    """The online account of one insured person. Its state moves only through transitions.account_advance()."""

    beneficiary = models.OneToOneField(Beneficiary, on_delete=models.PROTECT, related_name="account")
    state = models.CharField(max_length=20, choices=AccountState.choices, default=AccountState.PROVISIONAL)
    created_at = models.DateTimeField()
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # The address typed at the identity step, where provisional codes go until an email is confirmed.
    code_email = models.CharField(max_length=254)
    password_hash = models.CharField(max_length=200, blank=True)
    mobile = models.CharField("portable (E.164)", max_length=20, blank=True)
    landline = models.CharField("fixe (E.164)", max_length=20, blank=True)
    # R-LIM5: sessions remember the epoch they began in; a new or reset personal code starts a new one,
    # which ends every other session.
    session_epoch = models.PositiveIntegerField(default=0)
    # No longer read: sign-in failures are counted per NIR and client (selfservice.personal_code). Kept one
    # release so the release before keeps working during an upgrade (expand, then contract), then dropped.
    failed_sign_ins = models.PositiveIntegerField(default=0)
    sign_in_blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "compte"

    def __str__(self) -> str:
        return f"compte {self.pk} ({self.get_state_display()})"

    def greeting(self) -> dict[str, str]:
        """The names every email opens with ("Bonjour Camille DURAND")."""
        return {"first_name": self.beneficiary.first_name, "last_name": self.beneficiary.last_name}


class EmailAddress(models.Model):
    """An address of an account: at most one confirmed and one pending (R-CT2, R-EM*).

    `canonical` (trimmed, NFC, lower-case) is unique across all accounts: the database decides races.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="email_addresses")
    address = models.CharField(max_length=254)
    canonical = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # R-DLV2: the receiving server said this address does not exist (a hard bounce); told to the person.
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "adresse email"
        constraints = [
            models.UniqueConstraint(fields=["canonical"], name="email_canonical_unique"),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(confirmed_at__isnull=True),
                name="one_pending_email_per_account",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(confirmed_at__isnull=False),
                name="one_confirmed_email_per_account",
            ),
        ]
        # The 21-day job (R-EM7) reads only pending addresses, oldest first, whatever the number of accounts.
        indexes = [
            models.Index(fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="pending_email_created")
        ]

    def __str__(self) -> str:
        return f"{'confirmée' if self.confirmed_at else 'à confirmer'} (compte {self.account_id})"


class EmailLink(models.Model):
    """R-EM3: a confirmation link, stored as a digest, bound to the account and the address it was sent to."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="email_links")
    email = models.ForeignKey(EmailAddress, on_delete=models.SET_NULL, null=True, related_name="links")
    canonical = models.CharField(max_length=254)
    digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # R-SUP4: the link's page was opened (by the person, or by a scanner of their mail provider or antivirus).
    first_opened_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "lien de confirmation"
        indexes = [models.Index(fields=["account", "-sent_at"])]

    def __str__(self) -> str:
        return f"lien du compte {self.account_id} envoyé le {self.sent_at:%Y-%m-%d %H:%M}"


class ConsentChannel(models.TextChoices):
    EMAIL = "email", "par email"
    MOBILE_CALL = "mobile_call", "par téléphone (portable)"
    MOBILE_SMS = "mobile_sms", "par SMS"
    LANDLINE_CALL = "landline_call", "par téléphone (fixe)"


class ConsentRecord(models.Model):
    """R-CT5: append-only ledger of promotional-information consents; the last record per channel counts."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=20, choices=ConsentChannel.choices)
    granted = models.BooleanField()
    at = models.DateTimeField()
    wording_version = models.CharField(max_length=20)
    source = models.CharField(max_length=20)

    class Meta:
        verbose_name = "consentement"
        indexes = [models.Index(fields=["account", "channel", "-at"])]

    def __str__(self) -> str:
        return f"{self.channel} {'oui' if self.granted else 'non'} ({self.at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Le registre des consentements ne se modifie pas : ajoutez une décision.")
        super().save(*args, **kwargs)
