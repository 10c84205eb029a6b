from django.db import models


class Beneficiary(models.Model):
    """R-REG1: an insured person of the insurer's registry, imported, never typed by users."""

    nir = models.CharField("NIR (sans clé)", max_length=13, unique=True)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance")
    postal_code = models.CharField("code postal", max_length=5)

    class Meta:
        verbose_name = "assuré"
        verbose_name_plural = "assurés"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StagedBeneficiary(models.Model):
    """No longer used: the import stages its lines in a temporary table since issue 13.

    Kept for one release (expand, then contract: deploy/README.md): during an upgrade the previous release
    still runs and may import with this table. A contract migration of the next release drops it.
    """

    batch = models.CharField(max_length=32, db_index=True)
    line = models.PositiveIntegerField()
    nir = models.CharField(max_length=13, db_index=True)
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    postal_code = models.CharField(max_length=5)

    class Meta:
        verbose_name = "ligne en cours d'import"

    def __str__(self) -> str:
        return f"ligne {self.line}"
