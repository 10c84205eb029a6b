"""Django's admin, with the back office of moncompte as its site (loaded before any model: imports nothing)."""

from django.contrib.admin.apps import AdminConfig


class SupportAdminConfig(AdminConfig):
    default_site = "moncompte.web.admin_site.SupportAdminSite"
