from django.contrib import admin

from moncompte.core.admin import ReadOnlyAdmin
from moncompte.registry.models import Beneficiary


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdmin[Beneficiary]):
    """The registry comes from the insurer's import (R-REG1): nobody edits an identity by hand."""

    list_display = ("nir", "last_name", "first_name", "birth_date", "postal_code")
    search_fields = ("=nir", "last_name")
