from django.contrib import admin

from moncompte.accounts.models import Account
from moncompte.core.admin import ReadOnlyAdmin


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin[Account]):
    """Support reads an account; it never sets a credential (not even sees its hash) nor an identity."""

    list_display = ("id", "beneficiary", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("=beneficiary__nir", "beneficiary__last_name")
    exclude = ("password_hash",)
