"""R-API1: the signed-in person in the app — the account as its page shows it, consents (the ledger says "app"),
the phone numbers, a new email address (with the personal code), a new personal code, and « Code oublié ? ».
Same use cases as the web's account page."""

from dataclasses import asdict
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import P, PathEx, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, WithJsonSchema

from moncompte.accounts import inputs
from moncompte.accounts.models import ConsentChannel
from moncompte.accounts.steps import AccountStep
from moncompte.api import examples, texts
from moncompte.api.common import (
    AppBearer,
    CaptchaIn,
    EmailIn,
    LinkSentOut,
    Problem,
    at_step,
    client_of,
    documented,
    read,
    typed,
)
from moncompte.api.problems import PersonalCodeProblem
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


# Inline: ninja drops the description of a parameter whose schema is a $ref, and the enum has no French text.
ChannelValue = Annotated[
    ConsentChannel, WithJsonSchema({"type": "string", "enum": [each.value for each in ConsentChannel]})
]
CHANNELS = (
    "`email` (par email), `mobile_call` (appels sur le portable), `mobile_sms` (SMS sur le portable) ou "
    "`landline_call` (appels sur le fixe)"
)


class ConsentIn(Schema):
    """Une décision sur un consentement."""

    # true or false: 0, 1 or "yes" are no answer (the document says boolean)
    granted: StrictBool = Field(
        description='true pour accepter, false pour refuser ou retirer (un booléen JSON : 0, 1 ou "oui" sont '
        "refusés). Chaque décision est enregistrée, datée, avec l'application pour origine."
    )


class ConsentOut(Schema):
    """Le consentement en vigueur pour un canal."""

    channel: ChannelValue = Field(description=f"Le canal : {CHANNELS}.")
    label: str = Field(description="Le canal en toutes lettres, comme le site l'affiche (« par SMS »).")
    granted: bool | None = Field(
        description="La décision en vigueur : true (accepté), false (refusé ou retiré), null (jamais répondu)."
    )


class AccountOut(Schema):
    """Ce que la page « Mon compte » montre."""

    first_name: str = Field(description="Le prénom, tel que l'Assurance Maladie le connaît.")
    last_name: str = Field(description="Le nom de famille, tel que l'Assurance Maladie le connaît.")
    email: str = Field(description="L'adresse email confirmée du compte.")
    pending_email: str = Field(
        description="Une nouvelle adresse en attente de confirmation, en entier, pour que la personne y repère une "
        "faute de frappe (vide s'il n'y en a pas) : `email` reste celle du compte jusqu'au clic sur le lien."
    )
    pending_email_masked: str = Field(
        description="La même, en partie masquée (vide s'il n'y en a pas), comme avant `pending_email`."
    )
    mobile: str = Field(description="Le numéro de portable, au format français (« 06 12 34 56 78 »), ou vide.")
    landline: str = Field(description="Le numéro de fixe, au format français (« 01 23 45 67 89 »), ou vide.")
    consents: list[ConsentOut] = Field(
        description="Les consentements aux informations promotionnelles, un par question posée : par email "
        "toujours ; appels et SMS avec un portable ; appels avec un fixe."
    )


class EmailChangeIn(EmailIn):
    """La nouvelle adresse, deux fois, et le code personnel actuel."""

    current_password: str = typed(inputs.CURRENT_PASSWORD_FOR_EMAIL)


class PasswordChangeIn(Schema):
    """Le code personnel actuel et le nouveau, deux fois."""

    current_password: str = typed(inputs.CURRENT_PASSWORD)
    password: str = typed(inputs.PASSWORD)
    confirmation: str = typed(inputs.CONFIRMATION)


class CodeForgotIn(CaptchaIn):
    """« Code oublié ? » : qui est la personne, et le défi anti-robot."""

    nir: str = typed(inputs.NIR)
    birth_date: str = typed(inputs.BIRTH_DATE)
    # R-LIM8: the one the app was given at its sign-in, if any
    device_token: str = Field(
        "",
        max_length=200,
        description=f"{texts.DEVICE_IN} Un appareil de confiance reçoit un code même quand d'autres ont épuisé les "
        "limites de la personne.",
    )


class PhonesIn(Schema):
    """Les deux numéros tels qu'ils doivent être (vide pour aucun : un numéro retiré emporte ses consentements,
    enregistrés « non »), chacun avec ses questions de consentement."""

    # R-CT6: both numbers, as they are to be ("" for none: a number left out is removed), each with its questions:
    # true or false, null (or left out) when unanswered; asked only with their number, as on the web.
    mobile: str = typed(inputs.MOBILE)
    landline: str = typed(inputs.LANDLINE)
    consent_mobile_call: StrictBool | None = Field(None, description=f"Appels sur le portable : {texts.PHONE_CONSENT}")
    consent_mobile_sms: StrictBool | None = Field(None, description=f"SMS sur le portable : {texts.PHONE_CONSENT}")
    consent_landline_call: StrictBool | None = Field(None, description=f"Appels sur le fixe : {texts.PHONE_CONSENT}")


class AnswerOut(Schema):
    """La réponse à montrer."""

    message: str = Field(description="Le message en français à montrer à la personne.")


Channel = PathEx[ChannelValue, P(description=f"Le canal du consentement : {CHANNELS}.")]


@router.get(
    "/account",
    response={200: AccountOut, 401: Problem, 403: Problem},
    auth=AppBearer(),
    summary="Lire son compte",
    description="Ce que montre la page « Mon compte » : nom, prénom, adresse email, numéros de téléphone et "
    "consentements. Le compte doit être ouvert (`next_step` = `account`), sinon 403.",
    openapi_extra=documented(answers={200: ("Le compte", examples.ACCOUNT)}),
)
def account_get(request: HttpRequest) -> Any:
    session = at_step(request, AccountStep.ACCOUNT)
    return account_overview(account_id=session.account_id, now=clock.now())


@router.put(
    "/account/consents/{channel}",
    response={200: list[ConsentOut], **ERRORS},
    auth=AppBearer(),
    summary="Donner ou retirer un consentement",
    description="Accepte (`true`) ou refuse (`false`) les informations promotionnelles sur un canal ; un canal "
    "sans son numéro de téléphone est refusé. La décision est enregistrée, datée, avec l'application pour origine. "
    "La réponse donne tous les consentements.",
    openapi_extra=documented(request=examples.CONSENT, answers={200: ("Les consentements", examples.CONSENTS)}),
)
def consent_put(request: HttpRequest, channel: Channel, payload: ConsentIn) -> list[Any]:
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


@router.put(
    "/account/phones",
    response={200: AccountOut, **ERRORS},
    auth=AppBearer(),
    summary="Changer ses numéros de téléphone",
    description="Les deux numéros tels qu'ils doivent être, vide pour aucun (un numéro retiré emporte ses "
    "consentements, enregistrés « non »), et une réponse à chaque question d'un numéro donné : pour un numéro "
    "nouveau ou changé, chaque réponse est enregistrée ; pour un numéro gardé, seule une réponse changée. La "
    "réponse est le compte à jour.",
    openapi_extra=documented(request=examples.PHONES, answers={200: ("Le compte", examples.PHONES_CHANGED)}),
)
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


@router.post(
    "/account/email",
    response={200: LinkSentOut, **ERRORS},
    auth=AppBearer(),
    summary="Changer son adresse email",
    description="Avec le code personnel actuel. Un lien de confirmation part à la nouvelle adresse ; l'ancienne "
    "est prévenue et reste celle du compte jusqu'au clic sur le lien (`pending_email_masked` de `GET /account`).",
    openapi_extra=documented(
        request=examples.EMAIL_CHANGE, answers={200: ("Le lien est parti", examples.OTHER_LINK_SENT)}
    ),
)
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


@router.post(
    "/account/personal-code",
    response={200: TokensOut, **ERRORS, 400: PersonalCodeProblem},
    auth=AppBearer(),
    summary="Changer son code personnel",
    description="Avec le code personnel actuel. Toutes les autres sessions, sur le site et dans l'application, "
    "prennent fin ; cet appareil reçoit une nouvelle paire de jetons et un nouveau `device_token` (l'ancien ne "
    "vaut plus).",
    openapi_extra=documented(
        request=examples.PERSONAL_CODE_CHANGE, answers={200: ("Les nouveaux jetons", examples.PERSONAL_CODE_CHANGED)}
    ),
)
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


@router.post(
    "/code-forgot",
    response={202: AnswerOut, 400: Problem, 429: Problem},
    summary="Code oublié : recevoir un nouveau code provisoire",
    description="Avec le NIR, la date de naissance et le défi anti-robot (`POST /captcha`). Si un compte "
    "correspond, un code provisoire part à son adresse email confirmée ; la réponse est la même, qu'un compte "
    "corresponde ou non. Le code sert ensuite à `POST /sessions`, puis à `POST /personal-code`. Joindre le "
    "`device_token` de l'appareil s'il en a un.",
    openapi_extra=documented(
        request=examples.CODE_FORGOT, answers={202: ("La demande est prise en compte", examples.CODE_FORGOT_ANSWER)}
    ),
)
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
