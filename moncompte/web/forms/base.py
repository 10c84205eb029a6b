"""What every form of the site shares: accessible fields (R-A11Y1) and the parsing of common inputs.

Forms parse and check what was typed (no I/O). Domain errors come back through `add_domain_error`, placed
next to the input they name, and remember what the page should offer next.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms

from moncompte.accounts import phones
from moncompte.accounts.emails import email_checked
from moncompte.core import clock
from moncompte.core.errors import DomainError, Offer
from moncompte.registry import nir as nir_rules

YES_NO = [("oui", "Oui"), ("non", "Non")]


class AccessibleForm(forms.Form):
    """Adds hints, aria-describedby and aria-invalid so every field explains itself to screen readers."""

    autocomplete: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hints = self.hint_texts()
        self.offer: Offer | None = None
        for name, field in self.fields.items():
            field.error_messages["required"] = f"Ce champ est obligatoire : {field.label}."
            field.widget.attrs.setdefault("autocomplete", self.autocomplete.get(name, "off"))

    def hint_texts(self) -> dict[str, str]:
        """The hint under each field; built per form, so durations follow the settings."""
        return {}

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            described = []
            if self.hints.get(name):
                described.append(f"{name}-hint")
            if self.is_bound and name in self.errors:
                described.append(f"{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def add_domain_error(self, error: DomainError) -> None:
        """The error next to the field it names (or above the form), and its way out for the page."""
        self.add_error(error.field if error.field in self.fields else None, error.message)
        self.offer = error.offer


class NirField(forms.CharField):
    """Turns the typed text into a Nir, or a message that says what is wrong with it (R-NIR1..4)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"maxlength": "25", "spellcheck": "false", "autocapitalize": "characters"})

    def bound_data(self, data: Any, initial: Any) -> Any:
        """What the page shows again: what was typed, but never more than a line's worth."""
        return data[:40] if isinstance(data, str) else data

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return text
        if len(text) > 25:  # a NIR with spaces and its key is 21: nothing huge is parsed, nor shown again
            raise forms.ValidationError(
                "Le numéro de sécurité sociale comporte 13 ou 15 caractères (espaces non comptés).", code="nir_long"
            )
        try:
            return nir_rules.parse(text)
        except nir_rules.NirInvalid as error:
            raise forms.ValidationError(error.message, code=error.code) from error


def parse_birth_date(raw: str) -> date:
    try:
        return nir_rules.birth_date_parse(raw, today=clock.now().date())
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


def check_email(raw: str) -> str:
    try:
        return email_checked(raw)
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


def check_phone(raw: str, parse: Callable[[str], str]) -> str:
    try:
        return phones.parse_optional(raw, parse)
    except phones.PhoneInvalid as error:
        raise forms.ValidationError(error.message) from error


def check_nir_matches_birth(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    """R-NIR5, once both fields are valid on their own."""
    nir, birth = data.get("nir"), data.get("birth_date")
    if isinstance(nir, nir_rules.Nir) and isinstance(birth, date):
        try:
            nir_rules.check_birth_date(nir, birth)
        except nir_rules.NirBirthMismatch as error:
            form.add_error("nir", error.message)
    return data


def password_input(autocomplete: str, *, render_value: bool = False) -> forms.PasswordInput:
    return forms.PasswordInput(
        attrs={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "off"},
        render_value=render_value,
    )
