"""Forms of the first visit: identity, sign-in, "Code oublié ?", personal code, contact details."""

import contextlib
import re
from datetime import date
from typing import Any

from django import forms

from moncompte.accounts import phones
from moncompte.accounts.consents import QUESTION_EMAIL
from moncompte.accounts.models import ConsentChannel
from moncompte.captcha.alphabet import AUDIO_LENGTH
from moncompte.captcha.guard import CaptchaProof
from moncompte.core.errors import DomainError
from moncompte.core.terms import service_terms
from moncompte.enrollment.contact_submit import ContactDetails
from moncompte.enrollment.errors import PasswordRefused
from moncompte.registry import nir as nir_rules
from moncompte.web.forms.base import (
    YES_NO,
    AccessibleForm,
    NirField,
    check_email,
    check_nir_matches_birth,
    check_phone,
    parse_birth_date,
    password_input,
)

NIR_HINT = f"{nir_rules.HINT}. Il figure sur votre carte Vitale."
BIRTH_DATE_HINT = "Format JJ/MM/AAAA, ex. 03/05/1984"


def captcha_hint() -> str:
    length = service_terms().captcha_length
    return (
        f"{length} caractères pour l'image, lettres ou chiffres, majuscules ou minuscules indifférentes ; "
        f"ou les {AUDIO_LENGTH} chiffres des nombres du son"
    )


class ProofOfWorkField(forms.Field):
    """The proof of work the page's script computed (R-CAP6): never refused by the form, whatever arrives (too
    long, a null character…) goes to the server's check of the proof, whose refusal tells the person what to
    do, in French, with a new challenge; a form error would name a field the person never saw."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: object) -> str:
        return value if isinstance(value, str) else ""


class CaptchaForm(AccessibleForm):
    """A form protected by the CAPTCHA (R-CAP1): its fields come with the challenge being answered, and the
    proof of work the page's script computed (R-CAP5; empty without JavaScript)."""

    captcha_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    captcha_answer = forms.CharField(label="Caractères de l'image ou chiffres du son", max_length=20, required=False)
    captcha_work = ProofOfWorkField()

    def captcha_proof(self, *, binding: str) -> CaptchaProof:
        data = self.cleaned_data
        return CaptchaProof(
            challenge_id=data["captcha_id"], answer=data["captcha_answer"], binding=binding, work=data["captcha_work"]
        )

    def person(self) -> dict[str, Any]:
        """What was typed about the person: every field but the CAPTCHA's."""
        return {name: value for name, value in self.cleaned_data.items() if not name.startswith("captcha_")}


class PersonCheckForm(CaptchaForm):
    """NIR and birth date, checked against each other (R-NIR5), with the CAPTCHA."""

    nir = NirField(label="Numéro de sécurité sociale")
    birth_date = forms.CharField(label="Date de naissance", max_length=10)
    field_order = ["nir", "birth_date", "captcha_id", "captcha_answer", "captcha_work"]
    autocomplete = {"birth_date": "bday"}

    def hint_texts(self) -> dict[str, str]:
        return {"nir": NIR_HINT, "birth_date": BIRTH_DATE_HINT, "captcha_answer": captcha_hint()}

    def clean_birth_date(self) -> date:
        return parse_birth_date(self.cleaned_data["birth_date"])

    def clean(self) -> dict[str, Any]:
        return check_nir_matches_birth(self, super().clean() or {})


class CodeForgotForm(PersonCheckForm):
    """« Code oublié ? » asks for nothing more than the NIR and the birth date (R-CODE5)."""


class IdentityForm(PersonCheckForm):
    postal_code = forms.CharField(label="Code postal", max_length=10)
    email = forms.CharField(label="Adresse email", max_length=254)
    field_order = ["nir", "birth_date", "postal_code", "email", "captcha_id", "captcha_answer", "captcha_work"]
    autocomplete = {"birth_date": "bday", "postal_code": "postal-code", "email": "email"}

    def hint_texts(self) -> dict[str, str]:
        return {
            **super().hint_texts(),
            "postal_code": "5 chiffres, ex. 75011",
            "email": "Votre code provisoire y sera envoyé. Ex. prenom.nom@exemple.fr",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["email"].widget.input_type = "email"
        self.fields["captcha_answer"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["postal_code"])
        if not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError("Le code postal comporte 5 chiffres, par exemple 75011.")
        return value

    def clean_email(self) -> str:
        return check_email(self.cleaned_data["email"])


class SignInForm(AccessibleForm):
    nir = NirField(label="Numéro de sécurité sociale")
    code = forms.CharField(label="Code provisoire ou code personnel", max_length=60, strip=False)
    autocomplete = {"nir": "username", "code": "current-password"}

    def hint_texts(self) -> dict[str, str]:
        lifetime = service_terms().code_lifetime
        return {
            "nir": nir_rules.HINT,
            "code": f"Le code provisoire reçu par email (10 caractères, valable {lifetime}), ou votre code personnel",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = password_input("current-password")


class PasswordForm(AccessibleForm):
    password = forms.CharField(label="Mon nouveau code", strip=False, max_length=200)
    confirmation = forms.CharField(label="Confirmer mon nouveau code", strip=False, max_length=200)
    autocomplete = {"password": "new-password", "confirmation": "new-password"}

    def hint_texts(self) -> dict[str, str]:
        return {
            "password": "Entre 8 et 50 caractères : minuscules et majuscules, et un chiffre ou un caractère spécial",
            "confirmation": "Saisissez le même code une seconde fois",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password", "confirmation"):
            self.fields[name].widget = password_input("new-password", render_value=True)

    def add_domain_error(self, error: DomainError) -> None:
        """R-PW6: each refused rule next to its field (the confirmation rule next to the confirmation)."""
        if not isinstance(error, PasswordRefused):
            return super().add_domain_error(error)
        for refusal in error.refusals:
            self.add_error("confirmation" if refusal.rule == "R-PW6" else "password", refusal.message)


class EmailPairForm(AccessibleForm):
    email = forms.CharField(label="Saisissez votre adresse email", max_length=254)
    email_confirmation = forms.CharField(label="Je confirme mon adresse email", max_length=254)
    autocomplete = {"email": "email", "email_confirmation": "email"}

    def hint_texts(self) -> dict[str, str]:
        return {
            "email": "Ex. prenom.nom@exemple.fr. Elle doit être à vous seul : pas celle d'un autre membre de la "
            "famille",
            "email_confirmation": "Saisissez la même adresse une seconde fois",
        }

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
        with contextlib.suppress(forms.ValidationError):
            again = check_email(again) if again else again  # compared as written to the relay (IDNA domain)
        if email and again and email.lower() != again.strip().lower():
            self.add_error("email_confirmation", "Les deux adresses email ne sont pas identiques.")
        return data


def _yes_no(label: str, *, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect, required=required)


class ContactForm(EmailPairForm):
    consent_email = _yes_no(QUESTION_EMAIL, required=True)
    mobile = forms.CharField(label="Saisissez votre n° de téléphone portable", max_length=30, required=False)
    consent_mobile_call = _yes_no("Par téléphone")
    consent_mobile_sms = _yes_no("Par SMS")
    landline = forms.CharField(label="Saisissez votre n° de téléphone fixe", max_length=30, required=False)
    consent_landline_call = _yes_no("Par téléphone")
    autocomplete = {**EmailPairForm.autocomplete, "mobile": "tel", "landline": "tel"}
    # R-CT4: the questions about a number, asked only when that number is given.
    questions = {"mobile": ("consent_mobile_call", "consent_mobile_sms"), "landline": ("consent_landline_call",)}

    def hint_texts(self) -> dict[str, str]:
        return {
            **super().hint_texts(),
            "mobile": "Facultatif. Ex. 06 50 56 42 78 ou +33 6 50 56 42 78",
            "landline": "Facultatif. Ex. 01 45 37 59 45",
        }

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
        for number, names in self.questions.items():
            for name in names:
                if data.get(number) and not data.get(name):
                    self.add_error(name, "Répondez par oui ou par non.")
        return data

    def details(self) -> ContactDetails:
        data = self.cleaned_data
        return ContactDetails(
            email=data["email"],
            mobile=data["mobile"],
            landline=data["landline"],
            consents={channel: data.get(f"consent_{channel.value}") == "oui" for channel in ConsentChannel},
        )
