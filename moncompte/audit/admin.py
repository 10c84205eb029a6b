from django.contrib import admin
from django.http import HttpRequest

from moncompte.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "event", "account_id", "nir_pseudonym", "client_address")
    list_filter = ("event",)
    search_fields = ("account_id", "nir_pseudonym", "client_address")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "event",
        "nir_pseudonym",
        "account_id",
        "client_address",
        "user_agent",
        "details",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
