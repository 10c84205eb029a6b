"""What every form of the site shares: accessible fields (R-A11Y1) and the parsing of common inputs.

Forms read what was typed with the domain's rules (accounts.inputs, no I/O), as the app's API does. Domain
errors come back through `add_domain_error`, placed next to the input they name, and remember what the page
should offer next.
"""

from typing import Any, ClassVar

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass

from moncompte.accounts.inputs import Entry, Inputs, checks_run, entry_read
from moncompte.core.errors import DomainError, InputsRefused, Offer

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
        """The error next to the field it names (or above the form), each of several refused at once, and its
        way out for the page."""
        for each in error.errors if isinstance(error, InputsRefused) else [error]:
            self.add_error(each.field if each.field in self.fields else None, _shown(each))
        self.offer = error.offer


class EntryReading:
    """A field read by its domain entry (accounts.inputs) instead of Django's checks: the same rule, code and
    French message as in the app. `required` and `max_length` stay for the page (the asterisk, maxlength)."""

    entry: Entry

    def clean(self, value: Any) -> Any:
        try:
            return entry_read(self.entry, "" if value is None else value)
        except DomainError as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from refused


class EntryField(EntryReading, forms.CharField):
    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        super().__init__(label=entry.label, required=entry.required, max_length=entry.max_length, strip=entry.strip)

    def bound_data(self, data: Any, initial: Any) -> Any:
        """What the page shows again: what was typed, never more than the input holds."""
        return data[: self.entry.max_length] if isinstance(data, str) else data


class YesNoField(EntryReading, forms.ChoiceField):
    """A yes/no question, never answered in advance (R-CT4)."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        super().__init__(label=entry.label, choices=YES_NO, widget=forms.RadioSelect, required=entry.required)


def entry_field(entry: Entry) -> forms.Field:
    return YesNoField(entry) if entry.yes_no else EntryField(entry)


class InputsFormMetaclass(DeclarativeFieldsMetaclass):
    """Gives a form a field for each entry of its `inputs` (the step's, in the domain), in their order, before
    the fields it declares itself (hidden ones: the CAPTCHA's challenge and proof of work)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        inputs: Inputs | None = attrs.get("inputs")
        if inputs is not None:
            attrs.update({entry.name: entry_field(entry) for entry in inputs.entries})
            attrs.setdefault("field_order", [entry.name for entry in inputs.entries])
        return super().__new__(mcs, name, bases, attrs)


class InputsForm(AccessibleForm, metaclass=InputsFormMetaclass):
    """A form of a step's inputs: each field read by its entry, then the step's checks (R-NIR5, R-CT1, R-CT4),
    all in the domain, so the page refuses exactly what the app's API refuses."""

    inputs: ClassVar[Inputs]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for refused in checks_run(self.inputs, data):
            self.add_error(refused.field if refused.field in self.fields else None, _shown(refused))
        return data


def _shown(error: DomainError) -> forms.ValidationError:
    return forms.ValidationError(error.message, code=error.code)


def password_input(autocomplete: str, *, render_value: bool = False) -> forms.PasswordInput:
    return forms.PasswordInput(
        attrs={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "off"},
        render_value=render_value,
    )
