"""Forms of the account page: a new email address, a new personal code (both ask for the current code), the
phone numbers."""

from typing import Any

from django import forms

from moncompte.accounts import inputs
from moncompte.selfservice.phones import PhonesGiven
from moncompte.web.forms.base import InputsForm, password_input
from moncompte.web.forms.journey import EmailPairForm, PasswordForm


def current_password_input(field: forms.Field) -> None:
    """The current code, typed again (R-LIM5): a password input, as long as the input allows."""
    field.widget = password_input("current-password")
    field.widget.attrs["maxlength"] = str(inputs.CURRENT_PASSWORD.max_length)


class EmailChangeForm(EmailPairForm):
    inputs = inputs.EMAIL_CHANGE

    def hint_texts(self) -> dict[str, str]:
        return {
            **super().hint_texts(),
            "current_password": "Pour votre sécurité, saisissez à nouveau votre code personnel",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current_password_input(self.fields["current_password"])

    def request_arguments(self) -> dict[str, str]:
        """What email_change_request takes from this form."""
        return {"address": self.cleaned_data["email"], "current_password": self.cleaned_data["current_password"]}


class PasswordChangeForm(PasswordForm):
    inputs = inputs.PASSWORD_CHANGE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current_password_input(self.fields["current_password"])


class PhonesForm(InputsForm):
    """R-CT6: the numbers, each with its questions (none answered in advance: the current choices are said)."""

    inputs = inputs.PHONES_CHANGE
    autocomplete = {"mobile": "tel", "landline": "tel"}

    def hint_texts(self) -> dict[str, str]:
        return {
            "mobile": "Facultatif : videz le champ pour retirer le numéro. Ex. 06 50 56 42 78 ou +33 6 50 56 42 78",
            "landline": "Facultatif : videz le champ pour retirer le numéro. Ex. 01 45 37 59 45",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("mobile", "landline"):
            self.fields[name].widget.input_type = "tel"

    def phones(self) -> PhonesGiven:
        data = self.cleaned_data
        return PhonesGiven(mobile=data["mobile"], landline=data["landline"], consents=inputs.consents_given(data))
