"""Forms of the account page: a new email address, a new personal code. Both ask for the current code."""

from django import forms

from moncompte.web.forms.base import password_input
from moncompte.web.forms.journey import EmailPairForm, PasswordForm


def _current_password(label: str) -> forms.CharField:
    return forms.CharField(label=label, strip=False, max_length=200, widget=password_input("current-password"))


class EmailChangeForm(EmailPairForm):
    current_password = _current_password("Mon code personnel")

    def hint_texts(self) -> dict[str, str]:
        return {
            **super().hint_texts(),
            "current_password": "Pour votre sécurité, saisissez à nouveau votre code personnel",
        }

    def request_arguments(self) -> dict[str, str]:
        """What email_change_request takes from this form."""
        return {"address": self.cleaned_data["email"], "current_password": self.cleaned_data["current_password"]}


class PasswordChangeForm(PasswordForm):
    current_password = _current_password("Mon code personnel actuel")
    field_order = ["current_password", "password", "confirmation"]
