from django.contrib import admin

from moncompte.registry.models import Beneficiary


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin[Beneficiary]):
    list_display = ("nir", "last_name", "first_name", "birth_date", "postal_code")
    search_fields = ("=nir", "last_name")
