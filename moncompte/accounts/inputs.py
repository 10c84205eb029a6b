"""Every input a person types, read by the same rules on the web and in the app (one rule, one place).

The rules are functions of the domain, each named for what it reads and citing its rule ID, beside the data
they are about: `registry.nir` (R-NIR1..5), `registry.postal_code` (R-ID1), `accounts.emails` (R-CT1),
`accounts.phones` (R-CT3), `accounts.consents` (R-CT4); the personal code's rules (R-PW1..6) need the
person's NIR and birth date, so its use cases apply them. This module is the schema both channels share, as
Ory Kratos validates one schema for the browser and the app: for each input of each step, the name both give
it (the form field, the JSON member and the problem's `field`), its label (the page's, which the "required"
message repeats), its length cap, the rule that reads it, and the checks that compare inputs once each is read.

The web's forms and the API's operations read their inputs here only (`web/forms/base.py`, `api/common.py`):
a refusal is the same DomainError — code, field, French message — on both channels.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from moncompte.accounts import consents, emails, phones
from moncompte.accounts.models import ConsentChannel
from moncompte.core import clock
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.registry import nir
from moncompte.registry.postal_code import postal_code_parse


class InputMissing(DomainError):
    code = "required"


class InputTooLong(DomainError):
    code = "too_long"


class InputUnreadable(DomainError):
    code = "null_character"


def _as_typed(text: Any) -> Any:
    return text


@dataclass(frozen=True)
class Entry:
    """One input as both channels name, label and cap it, and the rule that reads it."""

    name: str
    label: str
    max_length: int
    rule: Callable[[Any], object] = _as_typed  # raises a DomainError with the refusal's code and message
    required: bool = True  # an empty optional input is `empty`, and its rule is not asked
    strip: bool = True  # a personal code keeps its spaces (R-PW2 refuses them by name)
    too_long: str = ""  # the message past max_length, when the input has its own
    empty: object = ""
    yes_no: bool = False  # a question answered yes or no (radio buttons on the page, a boolean in the app)


def birth_date_typed(raw: str) -> date:
    """R-NIR5's other half: a birth date as people type it or the app sends it, and not after today."""
    return nir.birth_date_parse(raw, today=clock.now().date())


def entry_read(entry: Entry, raw: object) -> Any:
    """The value of one input, or the DomainError that refuses it, on the input's field. Unreadable text first
    (a NUL, which PostgreSQL refuses in text, or a lone surrogate, which no UTF-8 encodes: the rules and the
    digests would crash on it), then the length, then the empty input, then the input's rule."""
    try:
        return _read(entry, raw)
    except DomainError as refused:
        refused.field = entry.name
        raise


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _read(entry: Entry, raw: object) -> Any:
    if not isinstance(raw, str):  # a JSON answer that is no text (a consent's true, false or null)
        return entry.rule(raw)
    if "\x00" in raw or not _encodable(raw):  # a NUL, or a lone surrogate ("\ud800" in JSON): no text
        raise InputUnreadable(f"Ce champ contient un caractère qui n'est pas accepté : {entry.label}.")
    text = raw.strip() if entry.strip else raw
    if len(text) > entry.max_length:
        raise InputTooLong(
            entry.too_long or f"Ce champ comporte au plus {entry.max_length} caractères : {entry.label}."
        )
    if not text:
        if entry.required:
            raise InputMissing(f"Ce champ est obligatoire : {entry.label}.")
        return entry.empty
    return entry.rule(text)


@dataclass(frozen=True)
class Check:
    """A rule that compares inputs, asked once every input it needs was read."""

    needs: tuple[str, ...]
    rule: Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Inputs:
    """What a step asks: its entries, in the order the page shows them, and the checks between them."""

    entries: tuple[Entry, ...]
    checks: tuple[Check, ...] = ()


def checks_run(inputs: Inputs, values: Mapping[str, Any]) -> list[DomainError]:
    """The refusals of the checks whose inputs were all read (`values` holds only those)."""
    refusals: list[DomainError] = []
    for check in inputs.checks:
        if not all(name in values for name in check.needs):
            continue
        try:
            check.rule(values)
        except InputsRefused as refused:
            refusals += refused.errors
        except DomainError as refused:
            refusals.append(refused)
    return refusals


def inputs_read(inputs: Inputs, raw: Mapping[str, object]) -> dict[str, Any]:
    """Every input of a step read, then compared: the values by name, or InputsRefused with every refusal, in
    the order a form shows them (each field's, then the checks')."""
    values: dict[str, Any] = {}
    refusals: list[DomainError] = []
    for entry in inputs.entries:
        try:
            values[entry.name] = entry_read(entry, raw.get(entry.name, ""))
        except DomainError as refused:
            refusals.append(refused)
    refusals += checks_run(inputs, values)
    if refusals:
        raise InputsRefused(refusals)
    return values


def consents_given(values: Mapping[str, Any]) -> dict[ConsentChannel, bool]:
    """The answers as the ledger records them (a question not asked counts as a no, and is not recorded)."""
    return {channel: values.get(f"consent_{channel.value}") is True for channel in ConsentChannel}


def _nir_matches_birth_date(values: Mapping[str, Any]) -> None:
    nir.check_birth_date(values["nir"], values["birth_date"])


def _email_pair(values: Mapping[str, Any]) -> None:
    emails.email_pair_check(values["email"], values["email_confirmation"])


def _consents_answered(values: Mapping[str, Any]) -> None:
    """A number refused on its own field asks nothing more until it is right (the email's question always)."""
    answers = {channel: values[f"consent_{channel.value}"] for channel in ConsentChannel}
    consents.consents_check(answers=answers, mobile=values.get("mobile", ""), landline=values.get("landline", ""))


def _phone_consents_answered(values: Mapping[str, Any]) -> None:
    """R-CT6: the questions of the numbers given, answered; the email's has its own line on the account page."""
    answers: dict[ConsentChannel, bool | None] = {ConsentChannel.EMAIL: False}  # not asked here
    answers |= {channel: values[f"consent_{channel.value}"] for channel in PHONE_CHANNELS}
    consents.consents_check(answers=answers, mobile=values.get("mobile", ""), landline=values.get("landline", ""))


NIR: Final = Entry(
    "nir",
    "Numéro de sécurité sociale",
    25,  # a NIR with spaces and its key is 21: nothing huge is parsed, nor shown again
    nir.parse,
    too_long="Le numéro de sécurité sociale comporte 13 ou 15 caractères (espaces non comptés).",
)
BIRTH_DATE: Final = Entry("birth_date", "Date de naissance", 10, birth_date_typed)
POSTAL_CODE: Final = Entry("postal_code", "Code postal", 10, postal_code_parse)
EMAIL_FOR_CODE: Final = Entry("email", "Adresse email", 254, emails.email_checked)
# Empty, it is the CAPTCHA's own refusal (captcha.guard, R-CAP2), which also gives a new challenge.
CAPTCHA_ANSWER: Final = Entry("captcha_answer", "Caractères de l'image ou chiffres du son", 20, required=False)
SIGN_IN_CODE: Final = Entry("code", "Code provisoire ou code personnel", 60, strip=False)
PASSWORD: Final = Entry("password", "Mon nouveau code", 200, strip=False)
CONFIRMATION: Final = Entry("confirmation", "Confirmer mon nouveau code", 200, strip=False)
CURRENT_PASSWORD: Final = Entry("current_password", "Mon code personnel actuel", 200, strip=False)
CURRENT_PASSWORD_FOR_EMAIL: Final = Entry("current_password", "Mon code personnel", 200, strip=False)
EMAIL: Final = Entry("email", "Saisissez votre adresse email", 254, emails.email_checked)
EMAIL_CONFIRMATION: Final = Entry("email_confirmation", "Je confirme mon adresse email", 254)
MOBILE: Final = Entry("mobile", "Saisissez votre n° de téléphone portable", 30, phones.parse_mobile, required=False)
LANDLINE: Final = Entry("landline", "Saisissez votre n° de téléphone fixe", 30, phones.parse_landline, required=False)


def _consent(channel: ConsentChannel, label: str) -> Entry:
    """A yes/no question; whether it must be answered depends on the numbers given (the CONSENTS check)."""
    return Entry(
        f"consent_{channel.value}",
        label,
        3,  # "oui", "non"
        consents.consent_answer_parse,
        required=False,
        too_long=consents.ConsentAnswerMissing.message,
        empty=None,
        yes_no=True,
    )


CONSENT_EMAIL: Final = _consent(ConsentChannel.EMAIL, consents.QUESTION_EMAIL)
CONSENT_MOBILE_CALL: Final = _consent(ConsentChannel.MOBILE_CALL, "Par téléphone")
CONSENT_MOBILE_SMS: Final = _consent(ConsentChannel.MOBILE_SMS, "Par SMS")
CONSENT_LANDLINE_CALL: Final = _consent(ConsentChannel.LANDLINE_CALL, "Par téléphone")

NIR_MATCHES_BIRTH_DATE: Final = Check(("nir", "birth_date"), _nir_matches_birth_date)  # R-NIR5
EMAIL_PAIR: Final = Check(("email", "email_confirmation"), _email_pair)  # R-CT1
# R-CT4
CONSENTS_ANSWERED: Final = Check(tuple(f"consent_{channel.value}" for channel in ConsentChannel), _consents_answered)

PHONE_CHANNELS: Final = (ConsentChannel.MOBILE_CALL, ConsentChannel.MOBILE_SMS, ConsentChannel.LANDLINE_CALL)
PHONE_CONSENTS_ANSWERED: Final = Check(  # R-CT6
    tuple(f"consent_{channel.value}" for channel in PHONE_CHANNELS), _phone_consents_answered
)

# The steps, as the web's pages and the API's operations ask them.
IDENTITY: Final = Inputs((NIR, BIRTH_DATE, POSTAL_CODE, EMAIL_FOR_CODE, CAPTCHA_ANSWER), (NIR_MATCHES_BIRTH_DATE,))
CODE_FORGOT: Final = Inputs((NIR, BIRTH_DATE, CAPTCHA_ANSWER), (NIR_MATCHES_BIRTH_DATE,))  # R-CODE5
SIGN_IN: Final = Inputs((NIR, SIGN_IN_CODE))
PERSONAL_CODE: Final = Inputs((PASSWORD, CONFIRMATION))
CONTACT: Final = Inputs(
    (
        EMAIL,
        EMAIL_CONFIRMATION,
        CONSENT_EMAIL,
        MOBILE,
        CONSENT_MOBILE_CALL,
        CONSENT_MOBILE_SMS,
        LANDLINE,
        CONSENT_LANDLINE_CALL,
    ),
    (EMAIL_PAIR, CONSENTS_ANSWERED),
)
OTHER_EMAIL: Final = Inputs((EMAIL, EMAIL_CONFIRMATION), (EMAIL_PAIR,))  # R-EM6, R-EM7: the link elsewhere
EMAIL_CHANGE: Final = Inputs((EMAIL, EMAIL_CONFIRMATION, CURRENT_PASSWORD_FOR_EMAIL), (EMAIL_PAIR,))
PASSWORD_CHANGE: Final = Inputs((CURRENT_PASSWORD, PASSWORD, CONFIRMATION))
PHONES_CHANGE: Final = Inputs(  # R-CT6: « Mon compte », each number with its questions
    (MOBILE, CONSENT_MOBILE_CALL, CONSENT_MOBILE_SMS, LANDLINE, CONSENT_LANDLINE_CALL), (PHONE_CONSENTS_ANSWERED,)
)
