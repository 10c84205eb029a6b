"""Forms: parse and check what was typed (no I/O), with French messages next to each field (R-A11Y1)."""

import re
from datetime import date, datetime
from typing import Any

from django import forms
from email_validator import EmailNotValidError, validate_email

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
        self.fields["captcha_answer"].widget.attrs.update(
            {"spellcheck": "false", "autocapitalize": "characters"}
        )

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
        data = super().clean() or {}
        nir, birth = data.get("nir"), data.get("birth_date")
        if isinstance(nir, nir_rules.Nir) and isinstance(birth, date):
            try:
                nir_rules.check_birth_date(nir, birth)
            except nir_rules.NirBirthMismatch as error:
                self.add_error("nir", error.message)
        return data


class CodeSignInForm(AccessibleForm):
    nir = NirField(label="Numéro de sécurité sociale")
    code = forms.CharField(label="Code provisoire", max_length=60, strip=True)

    hints = {
        "nir": nir_rules.HINT,
        "code": "Les 10 caractères reçus par email, valables 30 minutes",
    }
    autocomplete = {"code": "one-time-code"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nir"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})
        self.fields["code"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "off"})
