"""Support view of emails: "I never got the email" — what was sent, when, what the server answered.

Agents see the masked copy only: codes and link tokens never appear here.
"""

from django.contrib import admin
from django.http import HttpRequest

from moncompte.core.admin import only_listed_lookups
from moncompte.outbox.models import DeliveryAttempt, DeliveryReport, OutboundEmail


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, OutboundEmail]):
    model = DeliveryAttempt
    fields = ("at", "finished_at", "outcome", "smtp_reply", "worker")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False


class DeliveryReportInline(admin.TabularInline[DeliveryReport, OutboundEmail]):
    """R-DLV2: what the receiving side said after taking the message (bounce, delay, complaint)."""

    model = DeliveryReport
    fields = ("received_at", "kind", "status", "diagnostic", "reporter")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    list_display = ("created_at", "subject", "to_masked", "status", "attempts", "sent_at")
    list_filter = ("status", "lane", "template")
    search_fields = ("to_address", "account_id")
    date_hierarchy = "created_at"
    fields = (
        "template",
        "lane",
        "to_masked",
        "account_id",
        "subject",
        "status",
        "created_at",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "message_id",
        "shown_text",
    )
    readonly_fields = fields
    inlines = [DeliveryAttemptInline, DeliveryReportInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return only_listed_lookups(self, lookup)  # never ?body_text__contains=…: pending emails hold codes
