from django.contrib import admin

from moncompte.accounts.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ("id", "beneficiary", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("=beneficiary__nir", "beneficiary__last_name")
    readonly_fields = ("beneficiary", "state", "created_at", "code_email")
