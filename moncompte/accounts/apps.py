from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "moncompte.accounts"
    label = "accounts"
    verbose_name = "Comptes"
