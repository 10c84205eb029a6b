"""Forms: parse and check what was typed (no I/O), with French messages next to each field (R-A11Y1)."""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from email_validator import EmailNotValidError, validate_email

from moncompte.accounts import phones
from moncompte.accounts.consents import QUESTION_EMAIL
from moncompte.accounts.models import ConsentChannel
from moncompte.accounts.password_policy import Refusal
from moncompte.core import clock
from moncompte.registry import nir as nir_rules

DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d%m%Y", "%Y-%m-%d")


class AccessibleForm(forms.Form):
    """Adds hints, aria-describedby and aria-invalid so every field explains itself to screen readers."""

    hints: dict[str, str] = {}
    autocomplete: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages["required"] = f"Ce champ est obligatoire : {field.label}."
            field.widget.attrs.setdefault("autocomplete", self.autocomplete.get(name, "off"))

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


def parse_birth_date(raw: str) -> date:
    text = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year < 1900 or parsed > clock.now().date():
            raise forms.ValidationError("Cette date de naissance n'est pas possible : vérifiez l'année.")
        return parsed
    raise forms.ValidationError("Saisissez la date au format JJ/MM/AAAA, par exemple 03/05/1984.")


def check_email(raw: str) -> str:
    try:
        return str(validate_email(raw.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise forms.ValidationError(
            "Cette adresse email n'est pas valide (exemple : prenom.nom@exemple.fr)."
        ) from error


def check_nir_matches_birth(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    """R-NIR5, once both fields are valid on their own."""
    nir, birth = data.get("nir"), data.get("birth_date")
    if isinstance(nir, nir_rules.Nir) and isinstance(birth, date):
        try:
            nir_rules.check_birth_date(nir, birth)
        except nir_rules.NirBirthMismatch as error:
            form.add_error("nir", error.message)
    return data


class NirField(forms.CharField):
    """Turns the typed text into a Nir, or a message that says what is wrong with it (R-NIR1..4)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = "25"

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return nir_rules.parse(text)
        except nir_rules.NirInvalid as error:
            raise forms.ValidationError(error.message, code=error.code) from error


class IdentityForm(AccessibleForm):
    nir = NirField(label="Numéro de sécurité sociale")
    birth_date = forms.CharField(label="Date de naissance", max_length=10)
    postal_code = forms.CharField(label="Code postal", max_length=10)
    email = forms.CharField(label="Adresse email", max_length=254)
    captcha_id = forms.CharField(widget=forms.HiddenInput, required=False)
    captcha_answer = forms.CharField(label="Caractères de l'image", max_length=20, required=False)

    hints = {
        "nir": f"{nir_rules.HINT}. Il figure sur votre carte Vitale.",
        "birth_date": "Format JJ/MM/AAAA, ex. 03/05/1984",
        "postal_code": "5 chiffres, ex. 75011",
        "email": "Votre code provisoire y sera envoyé. Ex. prenom.nom@exemple.fr",
        "captcha_answer": "6 caractères, lettres ou chiffres ; majuscules ou minuscules indifférentes",
    }
    autocomplete = {"birth_date": "bday", "postal_code": "postal-code", "email": "email"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nir"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})
        self.fields["birth_date"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["email"].widget.input_type = "email"
        self.fields["captcha_answer"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})

    def clean_birth_date(self) -> date:
        return parse_birth_date(self.cleaned_data["birth_date"])

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["postal_code"])
        if not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError("Le code postal comporte 5 chiffres, par exemple 75011.")
        return value

    def clean_email(self) -> str:
        return check_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        return check_nir_matches_birth(self, super().clean() or {})


YES_NO = [("oui", "Oui"), ("non", "Non")]


def check_phone(raw: str, parse: Callable[[str], str]) -> str:
    if not raw.strip():
        return ""
    try:
        return parse(raw)
    except phones.PhoneInvalid as error:
        raise forms.ValidationError(error.message) from error


class SignInForm(AccessibleForm):
    nir = NirField(label="Numéro de sécurité sociale")
    code = forms.CharField(label="Code provisoire ou code personnel", max_length=60, strip=False)

    hints = {
        "nir": nir_rules.HINT,
        "code": "Le code provisoire reçu par email (10 caractères, valable 30 minutes), ou votre code personnel",
    }
    autocomplete = {"code": "current-password"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nir"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})
        self.fields["code"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password", "spellcheck": "false", "autocapitalize": "off"}
        )


class PasswordForm(AccessibleForm):
    password = forms.CharField(label="Mon nouveau code", strip=False, max_length=200)
    confirmation = forms.CharField(label="Confirmer mon nouveau code", strip=False, max_length=200)

    hints = {
        "password": "Entre 8 et 50 caractères : minuscules et majuscules, et un chiffre ou un caractère spécial",
        "confirmation": "Saisissez le même code une seconde fois",
    }
    autocomplete = {"password": "new-password", "confirmation": "new-password"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password", "confirmation"):
            self.fields[name].widget = forms.PasswordInput(
                attrs={"autocomplete": "new-password", "spellcheck": "false", "autocapitalize": "off"},
                render_value=True,
            )

    def add_refusals(self, refusals: list[Refusal]) -> None:
        """R-PW6: each refused rule next to its field (the confirmation rule next to the confirmation)."""
        for refusal in refusals:
            self.add_error("confirmation" if refusal.rule == "R-PW6" else "password", refusal.message)


class PasswordChangeForm(PasswordForm):
    current = forms.CharField(label="Mon code personnel actuel", strip=False, max_length=200)
    field_order = ["current", "password", "confirmation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["current"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})


class EmailPairForm(AccessibleForm):
    email = forms.CharField(label="Saisissez votre adresse email", max_length=254)
    email_confirmation = forms.CharField(label="Je confirme mon adresse email", max_length=254)

    hints = {
        "email": "Ex. prenom.nom@exemple.fr. Elle doit être à vous seul : pas celle d'un autre membre de la famille",
        "email_confirmation": "Saisissez la même adresse une seconde fois",
    }
    autocomplete = {"email": "email", "email_confirmation": "email"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("email", "email_confirmation"):
            self.fields[name].widget.input_type = "email"
        self.fields["email_confirmation"].widget.attrs["data-no-paste-hint"] = "true"

    def clean_email(self) -> str:
        return check_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, again = data.get("email"), data.get("email_confirmation", "")
        if email and again and email.lower() != again.strip().lower():
            self.add_error("email_confirmation", "Les deux adresses email ne sont pas identiques.")
        return data


class ContactForm(EmailPairForm):
    consent_email = forms.ChoiceField(label=QUESTION_EMAIL, choices=YES_NO, widget=forms.RadioSelect)
    mobile = forms.CharField(label="Saisissez votre n° de téléphone portable", max_length=30, required=False)
    consent_mobile_call = forms.ChoiceField(
        label="Par téléphone", choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    consent_mobile_sms = forms.ChoiceField(label="Par SMS", choices=YES_NO, widget=forms.RadioSelect, required=False)
    landline = forms.CharField(label="Saisissez votre n° de téléphone fixe", max_length=30, required=False)
    consent_landline_call = forms.ChoiceField(
        label="Par téléphone", choices=YES_NO, widget=forms.RadioSelect, required=False
    )

    hints = {
        **EmailPairForm.hints,
        "mobile": "Facultatif. Ex. 06 50 56 42 78 ou +33 6 50 56 42 78",
        "landline": "Facultatif. Ex. 01 45 37 59 45",
    }
    autocomplete = {**EmailPairForm.autocomplete, "mobile": "tel", "landline": "tel"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_email"].error_messages["required"] = "Répondez par oui ou par non."
        for name in ("mobile", "landline"):
            self.fields[name].widget.input_type = "tel"

    def clean_mobile(self) -> str:
        return check_phone(self.cleaned_data["mobile"], phones.parse_mobile)

    def clean_landline(self) -> str:
        return check_phone(self.cleaned_data["landline"], phones.parse_landline)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        questions = {
            "mobile": ("consent_mobile_call", "consent_mobile_sms"),
            "landline": ("consent_landline_call",),
        }
        for number, names in questions.items():
            for name in names:
                if data.get(number) and not data.get(name):
                    self.add_error(name, "Répondez par oui ou par non.")
        return data

    def consents(self) -> dict[ConsentChannel, bool]:
        data = self.cleaned_data
        return {channel: data.get(f"consent_{channel.value}") == "oui" for channel in ConsentChannel}


class EmailChangeForm(EmailPairForm):
    password = forms.CharField(label="Mon code personnel", strip=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})


class CodeForgotForm(AccessibleForm):
    nir = NirField(label="Numéro de sécurité sociale")
    birth_date = forms.CharField(label="Date de naissance", max_length=10)
    captcha_id = forms.CharField(widget=forms.HiddenInput, required=False)
    captcha_answer = forms.CharField(label="Caractères de l'image", max_length=20, required=False)

    hints = {
        "nir": IdentityForm.hints["nir"],
        "birth_date": IdentityForm.hints["birth_date"],
        "captcha_answer": IdentityForm.hints["captcha_answer"],
    }
    autocomplete = {"birth_date": "bday"}

    def clean_birth_date(self) -> date:
        return parse_birth_date(self.cleaned_data["birth_date"])

    def clean(self) -> dict[str, Any]:
        return check_nir_matches_birth(self, super().clean() or {})
