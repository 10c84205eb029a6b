from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from moncompte.audit.labels import details_in_words, event_label
from moncompte.audit.models import AuditEvent


class EventFilter(admin.SimpleListFilter):
    """The events by their labels (the codes stay in the URL), those the log holds."""

    title = "événement"
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        present = set(AuditEvent.objects.order_by().values_list("event", flat=True).distinct())
        return sorted(((code, event_label(code)) for code in present), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(event=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "event_in_words", "account_id", "nir_pseudonym", "client_address")
    list_filter = (EventFilter,)
    search_fields = ("account_id", "nir_pseudonym", "client_address")
    date_hierarchy = "at"
    fields = readonly_fields = (
        "at",
        "event_in_words",
        "nir_pseudonym",
        "account_id",
        "client_address",
        "user_agent",
        "details_in_words",
    )

    @admin.display(description="événement", ordering="event")
    def event_in_words(self, event: AuditEvent) -> str:
        return event_label(event.event)

    @admin.display(description="détails")
    def details_in_words(self, event: AuditEvent) -> str:
        return " · ".join(f"{key} : {value}" for key, value in details_in_words(event.details))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
