"""A back-office page that shows and never changes (issue 8: credentials and identities are not editable)."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest


def only_listed_lookups(model_admin: admin.ModelAdmin[Any], lookup: str) -> bool:
    """Django's admin accepts filters on any field in the list's URL (?password_hash__startswith=…), which
    would let a staff member read hidden values a character at a time: only the page's own filters pass."""
    field = lookup.split("__", 1)[0]
    allowed = {str(name) for name in model_admin.list_filter} | {str(model_admin.date_hierarchy or "")}
    return field in allowed


class ReadOnlyAdmin[M: models.Model](admin.ModelAdmin[M]):
    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return only_listed_lookups(self, lookup)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False
