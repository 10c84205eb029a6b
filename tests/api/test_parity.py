"""R-API1: the same bad inputs through the web's pages and through the app's API say the same.

Each case changes one input of one step (or leaves one consent question unanswered) from a good request and sends
it both ways: to the page, with Django's test client and the real form, and to the API operation of that step.
The first refusal of each is compared (code, field, French message) with the other and with the code and field
the case expects (the API words the CAPTCHA's few refusals for an app: api/texts.py, IN_THE_APP). A check
removed from one channel lets that channel go on to the use case (another refusal, or none); a message reworded
on one side differs from the other's.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts.models import Account
from moncompte.api.texts import IN_THE_APP
from moncompte.appsessions import tokens
from moncompte.captcha.challenges import challenge_answer
from tests import factories
from tests.api.test_sessions import call
from tests.factories import PERSONAL_CODE
from tests.helpers import SentCode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]

NIR = "2 84 05 88 321 025 32"
EMAIL = "camille@example.fr"
OTHER = "c.durand@autre.example"
NEW_CODE = "Grandes-Marees-2027"


@dataclass(frozen=True)
class Refusal:
    code: str
    field: str | None
    message: str


@dataclass(frozen=True)
class Step:
    """A step as both channels take it: a good request (the page's fields), the page that takes it (with what
    the person must have done before), and the API operation."""

    good: dict[str, str]
    account: Callable[[SentCode, Any], object]  # the account as the step finds it
    web: Callable[[HttpClient, SentCode, dict[str, str]], Any]  # the page's answer
    api: Callable[[SentCode, dict[str, Any]], dict[str, Any]]  # the problem


def refused(status: int, problem: Any) -> dict[str, Any]:
    assert status >= 400, f"the API accepted it ({status})"
    assert isinstance(problem, dict)
    return problem


def _nothing(code_sent: SentCode, now: Any) -> None:
    return None


def _captcha_id(page: Any) -> str:
    found = re.search(r'name="captcha_id" value="([^"]+)"', page.content.decode())
    assert found, "the page shows no CAPTCHA"
    return found[1]


def _web_with_captcha(name: str) -> Callable[[HttpClient, SentCode, dict[str, str]], Any]:
    def post(client: HttpClient, code_sent: SentCode, typed: dict[str, str]) -> Any:
        challenge = _captcha_id(client.get(reverse(name)))
        answer = typed.pop("captcha_answer", challenge_answer(challenge_id=challenge))
        return client.post(reverse(name), {**typed, "captcha_id": challenge, "captcha_answer": answer})

    return post


def _api_with_captcha(path: str) -> Callable[[SentCode, dict[str, Any]], dict[str, Any]]:
    def post(code_sent: SentCode, typed: dict[str, Any]) -> dict[str, Any]:
        _, challenge, _ = call("post", "/captcha")
        answer = typed.pop("captcha_answer", challenge_answer(challenge_id=challenge["id"]))
        status, problem, _ = call(
            "post", path, **typed, captcha_id=challenge["id"], captcha_key=challenge["key"], captcha_answer=answer
        )
        return refused(status, problem)

    return post


def _signed_in_web(page: str, **extra: str) -> Callable[[HttpClient, SentCode, dict[str, str]], Any]:
    def post(client: HttpClient, code_sent: SentCode, typed: dict[str, str]) -> Any:
        assert client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
        return client.post(reverse(page), {**typed, **extra})

    return post


def _signed_in_api(path: str) -> Callable[[SentCode, dict[str, Any]], dict[str, Any]]:
    def post(code_sent: SentCode, typed: dict[str, Any]) -> dict[str, Any]:
        status, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
        assert status == 200
        status, problem, _ = call("post", path, pair["access_token"], **typed)
        return refused(status, problem)

    return post


def _restricted_web(client: HttpClient, code_sent: SentCode, typed: dict[str, str]) -> Any:
    assert client.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear}).status_code == 302
    return client.post(reverse("web:choose_password"), typed)


def _restricted_api(code_sent: SentCode, typed: dict[str, Any]) -> dict[str, Any]:
    """The restricted token signing in with the provisional code gives (the code itself served the page)."""
    account = Account.objects.get(pk=code_sent.sent.account_id)
    issued = tokens.session_open(
        account_id=account.pk,
        device_name="Pixel",
        epoch=account.session_epoch,
        restricted_until=code_sent.sent.expires_at,
        now=code_sent.at,
    )
    status, problem, _ = call("post", "/personal-code", issued.access_token, **typed)
    return refused(status, problem)


def _sign_in_api(code_sent: SentCode, typed: dict[str, Any]) -> dict[str, Any]:
    status, problem, _ = call("post", "/sessions", **typed)
    return refused(status, problem)


STEPS = {
    "identity": Step(
        {"nir": NIR, "birth_date": "03/05/1984", "postal_code": "88100", "email": EMAIL},
        _nothing,
        _web_with_captcha("web:identity"),
        _api_with_captcha("/enrollment/identity"),
    ),
    "code_forgot": Step(
        {"nir": NIR, "birth_date": "03/05/1984"},
        _nothing,
        _web_with_captcha("web:code_forgot"),
        _api_with_captcha("/code-forgot"),
    ),
    "sign_in": Step(
        {"nir": NIR, "code": PERSONAL_CODE},
        factories.with_personal_code,
        lambda client, code_sent, typed: client.post(reverse("web:sign_in"), typed),
        _sign_in_api,
    ),
    "personal_code": Step({"password": NEW_CODE, "confirmation": NEW_CODE}, _nothing, _restricted_web, _restricted_api),
    "contact": Step(
        {"email": EMAIL, "email_confirmation": EMAIL, "consent_email": "non"},
        factories.with_personal_code,
        _signed_in_web("web:contact"),
        _signed_in_api("/enrollment/contact"),
    ),
    "other_email": Step(
        {"email": OTHER, "email_confirmation": OTHER},
        factories.with_link_sent,
        _signed_in_web("web:email_pending", action="different"),
        _signed_in_api("/email/replace"),
    ),
    "email_change": Step(
        {"email": OTHER, "email_confirmation": OTHER, "current_password": PERSONAL_CODE},
        factories.active,
        _signed_in_web("web:email_change"),
        _signed_in_api("/account/email"),
    ),
    "password_change": Step(
        {"current_password": PERSONAL_CODE, "password": NEW_CODE, "confirmation": NEW_CODE},
        factories.active,
        _signed_in_web("web:password_change"),
        _signed_in_api("/account/personal-code"),
    ),
}

MOBILE = {"mobile": "06 50 56 42 78"}
LANDLINE = {"landline": "01 45 37 59 45"}
# step, what is typed differently from the step's good request, the code and the field both must refuse it with
CASES: list[tuple[str, dict[str, str], str, str | None]] = [
    ("identity", {"nir": ""}, "required", "nir"),
    ("identity", {"nir": "   "}, "required", "nir"),
    ("identity", {"nir": "2840588321"}, "nir_invalid", "nir"),
    ("identity", {"nir": "2840588321-25"}, "nir_invalid", "nir"),
    ("identity", {"nir": "3840588321025"}, "nir_invalid", "nir"),
    ("identity", {"nir": "2841388321025"}, "nir_invalid", "nir"),
    ("identity", {"nir": "2 84 05 88 321 025 33"}, "nir_invalid", "nir"),
    ("identity", {"nir": "7840588321025"}, "nir_temporary", "nir"),
    ("identity", {"nir": "2" * 26}, "too_long", "nir"),
    ("identity", {"nir": "2840588321025\x00"}, "null_character", "nir"),
    ("identity", {"nir": "2850588321025"}, "nir_birth_mismatch", "nir"),
    ("identity", {"birth_date": ""}, "required", "birth_date"),
    ("identity", {"birth_date": "31/02/1984"}, "birth_date_nonexistent", "birth_date"),
    ("identity", {"birth_date": "31021985"}, "birth_date_nonexistent", "birth_date"),
    ("identity", {"birth_date": "3 mai 1984"}, "birth_date_invalid", "birth_date"),
    ("identity", {"birth_date": "03/05/2999"}, "birth_date_impossible", "birth_date"),
    ("identity", {"birth_date": "03/05/19845"}, "too_long", "birth_date"),
    ("identity", {"birth_date": "03/06/1984"}, "nir_birth_mismatch", "nir"),
    ("identity", {"postal_code": ""}, "required", "postal_code"),
    ("identity", {"postal_code": "881"}, "postal_code_invalid", "postal_code"),
    ("identity", {"postal_code": "88I00"}, "postal_code_invalid", "postal_code"),
    ("identity", {"postal_code": "８８１００"}, "postal_code_invalid", "postal_code"),
    ("identity", {"postal_code": "88000"}, "identity_not_matched", None),
    ("identity", {"email": ""}, "required", "email"),
    ("identity", {"email": "camille@"}, "email_invalid", "email"),
    ("identity", {"email": "camïlle@example.fr"}, "email_accent_before_at", "email"),
    ("identity", {"captcha_answer": ""}, "captcha_missing", "captcha_answer"),
    ("identity", {"captcha_answer": "ZZZZZZZ"}, "captcha_wrong", "captcha_answer"),
    ("identity", {"captcha_answer": "Z" * 21}, "too_long", "captcha_answer"),
    ("code_forgot", {"nir": ""}, "required", "nir"),
    ("code_forgot", {"nir": "8840588321025"}, "nir_temporary", "nir"),
    ("code_forgot", {"nir": "2850588321025"}, "nir_birth_mismatch", "nir"),
    ("code_forgot", {"birth_date": "1984-13-03"}, "birth_date_nonexistent", "birth_date"),
    ("code_forgot", {"birth_date": ""}, "required", "birth_date"),
    ("code_forgot", {"captcha_answer": ""}, "captcha_missing", "captcha_answer"),
    ("sign_in", {"nir": ""}, "required", "nir"),
    ("sign_in", {"nir": "1234"}, "nir_invalid", "nir"),
    ("sign_in", {"code": ""}, "required", "code"),
    ("sign_in", {"code": "x" * 61}, "too_long", "code"),
    ("sign_in", {"code": "Mauvais-Code-99"}, "sign_in_rejected", "code"),
    ("personal_code", {"password": ""}, "required", "password"),
    ("personal_code", {"confirmation": ""}, "required", "confirmation"),
    ("personal_code", {"password": "Court1", "confirmation": "Court1"}, "password_refused", "password"),
    ("personal_code", {"password": "Vacances Bretagne 42"}, "password_refused", "password"),
    ("personal_code", {"password": "Camille-03051984"}, "password_refused", "password"),
    ("personal_code", {"confirmation": "Grandes-Marees-2028"}, "password_refused", "confirmation"),
    ("personal_code", {"password": "A" * 201}, "too_long", "password"),
    ("contact", {"email": ""}, "required", "email"),
    ("contact", {"email": "camille@@example.fr"}, "email_invalid", "email"),
    ("contact", {"email_confirmation": ""}, "required", "email_confirmation"),
    ("contact", {"email_confirmation": "camile@example.fr"}, "emails_differ", "email_confirmation"),
    ("contact", {"email_confirmation": "camille@"}, "emails_differ", "email_confirmation"),
    ("contact", {"consent_email": ""}, "consent_missing", "consent_email"),
    ("contact", {"mobile": "01 45 37 59 45"}, "phone_invalid", "mobile"),
    ("contact", {"mobile": "06 12"}, "phone_invalid", "mobile"),
    ("contact", {**MOBILE, "consent_mobile_sms": "oui"}, "consent_missing", "consent_mobile_call"),
    ("contact", {**MOBILE, "consent_mobile_call": "non"}, "consent_missing", "consent_mobile_sms"),
    ("contact", {"landline": "06 50 56 42 78"}, "phone_invalid", "landline"),
    ("contact", {"landline": "0145"}, "phone_invalid", "landline"),
    ("contact", LANDLINE, "consent_missing", "consent_landline_call"),
    ("other_email", {"email": ""}, "required", "email"),
    ("other_email", {"email": "c.durand@"}, "email_invalid", "email"),
    ("other_email", {"email_confirmation": "c.dupont@autre.example"}, "emails_differ", "email_confirmation"),
    ("email_change", {"email": "c.d urand@autre.example"}, "email_invalid", "email"),
    ("email_change", {"email_confirmation": ""}, "required", "email_confirmation"),
    ("email_change", {"current_password": ""}, "required", "current_password"),
    ("email_change", {"current_password": "Mauvais-Code-99"}, "wrong_current_password", "current_password"),
    ("email_change", {"email": EMAIL, "email_confirmation": EMAIL}, "email_unchanged", "email"),
    ("password_change", {"current_password": ""}, "required", "current_password"),
    ("password_change", {"current_password": "Mauvais-Code-99"}, "wrong_current_password", "current_password"),
    ("password_change", {"password": "court", "confirmation": "court"}, "password_refused", "password"),
    ("password_change", {"confirmation": ""}, "required", "confirmation"),
]


def web_refusal(page: Any) -> Refusal:
    """The first error the page shows, with the code the form gave it."""
    assert page.status_code == 200, f"the page accepted it ({page.status_code} {page.get('Location')})"
    errors = page.context["form"].errors.as_data()
    assert errors, "the page shows no error"
    field, refused = next(iter(errors.items()))
    return Refusal(refused[0].code, None if field == NON_FIELD_ERRORS else field, refused[0].messages[0])


def as_json(typed: dict[str, str]) -> dict[str, Any]:
    """The same request as the app sends it: a consent answered true or false, or left out."""
    answers = {"oui": True, "non": False}
    sent: dict[str, Any] = {}
    for name, value in typed.items():
        if not name.startswith("consent_"):
            sent[name] = value
        elif value:
            sent[name] = answers[value]
    return sent


@pytest.mark.parametrize(
    ("step", "typed", "code", "field"), CASES, ids=[f"{step}-{code}-{n}" for n, (step, _, code, _) in enumerate(CASES)]
)
def test_the_same_bad_input_is_refused_alike_on_the_page_and_in_the_api_R_API1(
    code_sent, now, step, typed, code, field
):
    taken = STEPS[step]
    taken.account(code_sent, now)
    request = {**taken.good, **typed}
    on_the_page = web_refusal(taken.web(HttpClient(), code_sent, dict(request)))
    problem = taken.api(code_sent, as_json(request))
    in_the_api = Refusal(problem["code"], problem["field"], problem["detail"])
    worded = IN_THE_APP.get(code)  # a CAPTCHA's refusal: the page's words are its own (tests/api/test_app_wording.py)
    if worded is not None:
        on_the_page = Refusal(on_the_page.code, worded.field, worded.message())
    assert on_the_page == in_the_api
    assert (in_the_api.code, in_the_api.field) == (code, field)


def test_every_field_of_every_step_is_sent_bad_at_least_once():
    from moncompte.accounts import inputs

    steps = {
        "identity": inputs.IDENTITY,
        "code_forgot": inputs.CODE_FORGOT,
        "sign_in": inputs.SIGN_IN,
        "personal_code": inputs.PERSONAL_CODE,
        "contact": inputs.CONTACT,
        "other_email": inputs.OTHER_EMAIL,
        "email_change": inputs.EMAIL_CHANGE,
        "password_change": inputs.PASSWORD_CHANGE,
    }
    for step, asked in steps.items():
        refused = {field for name, _, _, field in CASES if name == step}
        assert {entry.name for entry in asked.entries} <= refused, step
    assert len(CASES) >= 40
