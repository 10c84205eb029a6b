"""Forms of the first visit: identity, sign-in, "Code oublié ?", personal code, contact details."""

from typing import Any

from django import forms

from moncompte.accounts import inputs
from moncompte.captcha.alphabet import AUDIO_LENGTH
from moncompte.captcha.errors import CaptchaMissing
from moncompte.captcha.guard import CaptchaProof
from moncompte.core.errors import DomainError
from moncompte.core.service_terms import service_terms
from moncompte.enrollment.contact_submit import ContactDetails
from moncompte.enrollment.errors import PasswordRefused
from moncompte.registry import nir as nir_rules
from moncompte.web.forms.base import InputsForm, password_input

NIR_HINT = f"{nir_rules.HINT}. Il figure sur votre carte Vitale."
BIRTH_DATE_HINT = "Format JJ/MM/AAAA, ex. 03/05/1984"


def captcha_hint() -> str:
    # R-CAP5: the picture's count of characters varies and is never told (a script that cuts evenly must guess).
    return (
        "Les caractères de l'image, ligne du haut puis ligne du bas, lettres ou chiffres, majuscules ou "
        "minuscules indifférentes ; "
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


class CaptchaForm(InputsForm):
    """A form protected by the CAPTCHA (R-CAP1): its fields come with the challenge being answered, and the
    proof of work the page's script computed (R-CAP5; empty without JavaScript). The answer is one of the
    step's inputs (accounts.inputs.CAPTCHA_ANSWER)."""

    captcha_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    captcha_work = ProofOfWorkField()

    def clean(self) -> dict[str, Any]:
        """Issue 23, R-A11Y1: an empty answer is listed with the other refusals of the summary. Alone, the use case
        refuses it (CaptchaMissing, before anything is counted); beside others, the form never reaches it."""
        data = super().clean()
        answer = data.get("captcha_answer") or ""
        if self.errors and "captcha_answer" not in self.errors and not "".join(answer.split()):
            self.add_error("captcha_answer", forms.ValidationError(CaptchaMissing.message, code=CaptchaMissing.code))
        return data

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

    autocomplete = {"birth_date": "bday"}

    def hint_texts(self) -> dict[str, str]:
        return {"nir": NIR_HINT, "birth_date": BIRTH_DATE_HINT, "captcha_answer": captcha_hint()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nir_attrs(self.fields["nir"])


def nir_attrs(field: forms.Field) -> None:
    field.widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})


class CodeForgotForm(PersonCheckForm):
    """« Code oublié ? » asks for nothing more than the NIR and the birth date (R-CODE5)."""

    inputs = inputs.CODE_FORGOT


class IdentityForm(PersonCheckForm):
    inputs = inputs.IDENTITY
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


class SignInForm(InputsForm):
    inputs = inputs.SIGN_IN
    autocomplete = {"nir": "username", "code": "current-password"}

    def hint_texts(self) -> dict[str, str]:
        lifetime = service_terms().code_lifetime
        return {
            "nir": nir_rules.HINT,
            "code": f"Le code provisoire reçu par email (10 caractères, valable {lifetime}), ou votre code personnel",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nir_attrs(self.fields["nir"])
        self.fields["code"].widget = password_input("current-password")


class PasswordForm(InputsForm):
    inputs = inputs.PERSONAL_CODE
    autocomplete = {"password": "new-password", "confirmation": "new-password"}

    def hint_texts(self) -> dict[str, str]:
        terms = service_terms()
        return {
            "password": f"Entre {terms.personal_code_min} et {terms.personal_code_max} caractères : minuscules et "
            "majuscules, et un chiffre ou un caractère spécial",
            "confirmation": "Saisissez le même code une seconde fois",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A secret is never written back into a page: after a refusal, both fields come back empty.
        for name in ("password", "confirmation"):
            self.fields[name].widget = password_input("new-password")
        self.refused_lines: frozenset[str] = frozenset()  # the checklist's lines the server refused (R-PW6)

    def add_domain_error(self, error: DomainError) -> None:
        super().add_domain_error(error)
        if isinstance(error, PasswordRefused):
            self.refused_lines = frozenset(refusal.line for refusal in error.refusals)


class EmailPairForm(InputsForm):
    """A new address, twice (R-CT1): the link sent elsewhere (R-EM6, R-EM7)."""

    inputs = inputs.OTHER_EMAIL
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


class ContactForm(EmailPairForm):
    inputs = inputs.CONTACT
    autocomplete = {**EmailPairForm.autocomplete, "mobile": "tel", "landline": "tel"}

    def hint_texts(self) -> dict[str, str]:
        return {
            **super().hint_texts(),
            "mobile": "Facultatif. Ex. 06 50 56 42 78 ou +33 6 50 56 42 78",
            "landline": "Facultatif. Ex. 01 45 37 59 45",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Always asked (R-CT4): marked required on the page; consents_check refuses it unanswered.
        self.fields["consent_email"].required = True
        for name in ("mobile", "landline"):
            self.fields[name].widget.input_type = "tel"

    def details(self) -> ContactDetails:
        data = self.cleaned_data
        return ContactDetails(
            email=data["email"],
            mobile=data["mobile"],
            landline=data["landline"],
            consents=inputs.consents_given(data),
        )
