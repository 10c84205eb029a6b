"""R-API1: the first visit through the app — the CAPTCHA (image and French audio as files), the identity
step, the personal code chosen with the restricted token, contact details, and the confirmation link resent or
sent elsewhere. Same use cases as the web."""

import secrets
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import StrictBool

from moncompte.accounts import inputs
from moncompte.accounts.steps import AccountStep
from moncompte.api.common import (
    AppBearer,
    CaptchaIn,
    EmailIn,
    LinkSentOut,
    Problem,
    RestrictedBearer,
    at_step,
    client_of,
    read,
    typed,
)
from moncompte.api.sessions import TokensAndStepOut, tokens_out
from moncompte.appsessions.personal_code import app_personal_code_choose
from moncompte.captcha.challenges import challenge_create, challenge_png, challenge_wav
from moncompte.captcha.limits import media_count
from moncompte.captcha.work import work_challenge
from moncompte.core import clock
from moncompte.enrollment import email_links
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import ContactDetails, contact_submit

router = Router(tags=["parcours"])


class ChallengeOut(Schema):
    id: str
    key: str  # R-CAP4: the answer counts only with this key, which only the app that asked holds
    image: str
    audio: str
    expires_in: int
    work: str  # R-CAP6: the proof-of-work challenge (ALTCHA JSON) made for this challenge, as the web page has it


class IdentityIn(CaptchaIn):
    """The typed inputs are read as the web's page reads them (accounts.inputs.IDENTITY)."""

    nir: str = typed(inputs.NIR)
    birth_date: str = typed(inputs.BIRTH_DATE)  # 1984-05-03 or 03/05/1984
    postal_code: str = typed(inputs.POSTAL_CODE)
    email: str = typed(inputs.EMAIL_FOR_CODE)


class PersonalCodeIn(Schema):
    password: str = typed(inputs.PASSWORD)
    confirmation: str = typed(inputs.CONFIRMATION)


class CodeSentOut(Schema):
    email_masked: str
    expires_at: datetime


class ContactIn(Schema):
    """As the web's page names them (accounts.inputs.CONTACT): a consent answered true or false, null (or left
    out) when unanswered; consent_email is always asked, the others only with their number (R-CT4). Strictly
    booleans: 0 or "non" are refused as the document says, never read as an answer."""

    email: str = typed(inputs.EMAIL)
    email_confirmation: str = typed(inputs.EMAIL_CONFIRMATION)
    mobile: str = typed(inputs.MOBILE, default="")
    landline: str = typed(inputs.LANDLINE, default="")
    consent_email: StrictBool | None = None
    consent_mobile_call: StrictBool | None = None
    consent_mobile_sms: StrictBool | None = None
    consent_landline_call: StrictBool | None = None


@router.post("/captcha", response={200: ChallengeOut, 429: Problem})
def captcha_new(request: HttpRequest) -> dict[str, Any]:
    now, key, client = clock.now(), secrets.token_urlsafe(24), client_of(request)
    challenge = challenge_create(binding=key, client=client, now=now)
    base = f"/api/v1/captcha/{challenge.id}"
    return {
        "id": challenge.id,
        "key": key,
        "image": f"{base}/image.png",
        "audio": f"{base}/audio.wav",
        "expires_in": int((challenge.expires_at - now).total_seconds()),
        "work": work_challenge(challenge_id=challenge.id, client=client, now=now),
    }


def _captcha_media(request: HttpRequest, challenge_id: str, draw: Any, kind: str) -> HttpResponse:
    now = clock.now()
    media_count(client=client_of(request), now=now)
    content = draw(challenge_id=challenge_id, now=now)
    if content is None:
        return HttpResponse(status=404)
    return HttpResponse(content, content_type=kind, headers={"Cache-Control": "private, max-age=300"})


@router.get("/captcha/{challenge_id}/image.png", response={200: None, 404: None, 429: Problem})
def captcha_image(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _captcha_media(request, challenge_id, challenge_png, "image/png")


@router.get("/captcha/{challenge_id}/audio.wav", response={200: None, 404: None, 429: Problem})
def captcha_audio(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _captcha_media(request, challenge_id, challenge_wav, "audio/wav")


@router.post("/enrollment/identity", response={202: CodeSentOut, 400: Problem, 429: Problem})
def identity_submit(request: HttpRequest, payload: IdentityIn) -> Status[Any]:
    """R-ID1, R-CAP1: the provisional code goes to the email given; the answer says only where it went."""
    now, typed_in = clock.now(), read(inputs.IDENTITY, payload)
    sent = code_send(
        nir=typed_in["nir"],
        birth_date=typed_in["birth_date"],
        postal_code=typed_in["postal_code"],
        email=typed_in["email"],
        captcha=payload.proof(typed_in),
        client=client_of(request),
        now=now,
    )
    return Status(202, {"email_masked": sent.email_masked, "expires_at": sent.expires_at})


@router.post("/personal-code", response={200: TokensAndStepOut, 400: Problem, 401: Problem}, auth=RestrictedBearer())
def personal_code_choose(request: HttpRequest, payload: PersonalCodeIn) -> dict[str, Any]:
    """R-CODE4: the only operation of the restricted token. The personal code ends it (R-LIM5): a pair comes back,
    the same one to a double submit or a retry (R-API2)."""
    issued = app_personal_code_choose(
        restricted_token=str(getattr(request, "auth", "")),
        **read(inputs.PERSONAL_CODE, payload),
        client=client_of(request),
        now=clock.now(),
    )
    return tokens_out(issued, account_id=issued.account_id)


@router.post(
    "/enrollment/contact", response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem}, auth=AppBearer()
)
def contact_details_submit(request: HttpRequest, payload: ContactIn) -> dict[str, str]:
    """R-CT1..4: the address (twice), the phones and an answer to each consent question asked."""
    account_id = at_step(request, AccountStep.GIVE_CONTACT_DETAILS).account_id
    typed_in = read(inputs.CONTACT, payload)
    details = ContactDetails(
        email=typed_in["email"],
        mobile=typed_in["mobile"],
        landline=typed_in["landline"],
        consents=inputs.consents_given(typed_in),
    )
    return {
        "email_masked": contact_submit(
            account_id=account_id, details=details, client=client_of(request), now=clock.now()
        )
    }


@router.post(
    "/email/resend",
    response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem, 429: Problem},
    auth=AppBearer(),
)
def email_resend(request: HttpRequest) -> dict[str, str]:
    """R-EM6: the link again, to the same address (from 7 to 21 days, or any time before)."""
    account_id = at_step(request, AccountStep.CONFIRM_EMAIL).account_id
    return {"email_masked": email_links.link_resend(account_id=account_id, client=client_of(request), now=clock.now())}


@router.post(
    "/email/replace",
    response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem, 429: Problem},
    auth=AppBearer(),
)
def email_replace(request: HttpRequest, payload: EmailIn) -> dict[str, str]:
    """R-EM6, R-EM7: the link to another address (or a new one once the old was forgotten)."""
    account_id = at_step(request, AccountStep.CONFIRM_EMAIL).account_id
    address = read(inputs.OTHER_EMAIL, payload)["email"]
    return {
        "email_masked": email_links.email_replace(
            account_id=account_id, address=address, client=client_of(request), now=clock.now()
        )
    }
