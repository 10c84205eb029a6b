"""R-API1: the signed-in person in the app — the account as its page shows it, consents (the ledger says "app"),
the phone numbers, a new email address (with the personal code), a new personal code, and « Code oublié ? ».
Same use cases as the web's account page."""

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool

from moncompte.accounts import inputs
from moncompte.accounts.models import ConsentChannel
from moncompte.accounts.steps import AccountStep
from moncompte.api.common import (
    AppBearer,
    CaptchaIn,
    EmailIn,
    LinkSentOut,
    Problem,
    at_step,
    client_of,
    read,
    typed,
)
from moncompte.api.sessions import TokensOut
from moncompte.appsessions import tokens
from moncompte.core import clock
from moncompte.core.service_terms import service_terms
from moncompte.selfservice.account_manage import consent_set, email_change_request, password_change
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.phones import PhonesGiven, phones_change
from moncompte.selfservice.selectors import account_overview

router = Router(tags=["compte"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 429: Problem}


class ConsentIn(Schema):
    granted: StrictBool  # true or false: 0, 1 or "yes" are no answer (the document says boolean)


class ConsentOut(Schema):
    channel: str
    label: str
    granted: bool | None


class AccountOut(Schema):
    first_name: str
    last_name: str
    email: str
    pending_email_masked: str
    mobile: str
    landline: str
    consents: list[ConsentOut]


class EmailChangeIn(EmailIn):
    current_password: str = typed(inputs.CURRENT_PASSWORD_FOR_EMAIL)


class PasswordChangeIn(Schema):
    current_password: str = typed(inputs.CURRENT_PASSWORD)
    password: str = typed(inputs.PASSWORD)
    confirmation: str = typed(inputs.CONFIRMATION)


class CodeForgotIn(CaptchaIn):
    nir: str = typed(inputs.NIR)
    birth_date: str = typed(inputs.BIRTH_DATE)
    device_token: str = Field("", max_length=200)  # R-LIM8: the one the app was given at its sign-in, if any


class PhonesIn(Schema):
    """R-CT6: both numbers, as they are to be ("" for none: a number left out is removed), each with its
    questions: true or false, null (or left out) when unanswered; asked only with their number, as on the web."""

    mobile: str = typed(inputs.MOBILE)
    landline: str = typed(inputs.LANDLINE)
    consent_mobile_call: StrictBool | None = None
    consent_mobile_sms: StrictBool | None = None
    consent_landline_call: StrictBool | None = None


class AnswerOut(Schema):
    message: str


@router.get("/account", response={200: AccountOut, 401: Problem, 403: Problem}, auth=AppBearer())
def account_get(request: HttpRequest) -> Any:
    session = at_step(request, AccountStep.ACCOUNT)
    return account_overview(account_id=session.account_id, now=clock.now())


@router.put("/account/consents/{channel}", response={200: list[ConsentOut], **ERRORS}, auth=AppBearer())
def consent_put(request: HttpRequest, channel: ConsentChannel, payload: ConsentIn) -> list[Any]:
    """R-CT5: giving or withdrawing one consent; the ledger records it as given in the app."""
    account_id, now = at_step(request, AccountStep.ACCOUNT).account_id, clock.now()
    consent_set(
        account_id=account_id,
        channel=channel,
        granted=payload.granted,
        client=client_of(request),
        now=now,
        source="app",
    )
    return account_overview(account_id=account_id, now=now).consents


@router.put("/account/phones", response={200: AccountOut, **ERRORS}, auth=AppBearer())
def phones_put(request: HttpRequest, payload: PhonesIn) -> Any:
    """R-CT6: the phone numbers replaced, each with its consents (the ledger records them as given in the app)."""
    account_id, now, typed_in = (
        at_step(request, AccountStep.ACCOUNT).account_id,
        clock.now(),
        read(inputs.PHONES_CHANGE, payload),
    )
    given = PhonesGiven(
        mobile=typed_in["mobile"], landline=typed_in["landline"], consents=inputs.consents_given(typed_in)
    )
    phones_change(account_id=account_id, phones=given, client=client_of(request), now=now, source="app")
    return account_overview(account_id=account_id, now=now)


@router.post("/account/email", response={200: LinkSentOut, **ERRORS}, auth=AppBearer())
def email_change(request: HttpRequest, payload: EmailChangeIn) -> dict[str, str]:
    """R-EM*: a link to the new address; the old one is told and stays until the new one is confirmed."""
    session, typed_in = at_step(request, AccountStep.ACCOUNT), read(inputs.EMAIL_CHANGE, payload)
    masked = email_change_request(
        account_id=session.account_id,
        address=typed_in["email"],
        current_password=typed_in["current_password"],
        client=client_of(request),
        now=clock.now(),
    )
    return {"email_masked": masked}


@router.post("/account/personal-code", response={200: TokensOut, **ERRORS}, auth=AppBearer())
def personal_code_change(request: HttpRequest, payload: PasswordChangeIn) -> dict[str, Any]:
    """R-LIM5: every other session (web and app) ends; this device gets a new pair."""
    session, now = at_step(request, AccountStep.ACCOUNT), clock.now()
    changed = password_change(
        account_id=session.account_id,
        **read(inputs.PASSWORD_CHANGE, payload),
        client=client_of(request),
        now=now,
    )
    issued = tokens.session_continue(session_id=session.session_id, epoch=changed.session_epoch, now=now)
    return {**asdict(issued), "device_token": changed.device}  # R-LIM8: the old device token ended with the code


@router.post("/code-forgot", response={202: AnswerOut, 400: Problem, 429: Problem})
def code_forgot_request(request: HttpRequest, payload: CodeForgotIn) -> Status[dict[str, str]]:
    """R-CODE5: the same answer whether or not an account matched."""
    now, typed_in = clock.now(), read(inputs.CODE_FORGOT, payload)
    nir, birth_date = typed_in["nir"], typed_in["birth_date"]
    captcha, device = payload.proof(typed_in), payload.device_token
    code_forgot(nir=nir, birth_date=birth_date, captcha=captcha, client=client_of(request), device=device, now=now)
    message = (
        "Si les informations saisies correspondent à un compte, un code provisoire vient d'être envoyé à "
        f"l'adresse email de ce compte. Il est valable {service_terms().code_lifetime}."
    )
    return Status(202, {"message": message})
