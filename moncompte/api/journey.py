"""R-API1: the first visit through the app — the CAPTCHA (image and French audio as files), the identity
step, contact details, and the confirmation link resent or sent elsewhere. Same use cases as the web."""

import secrets
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from moncompte.accounts import phones
from moncompte.accounts.consents import channels_for
from moncompte.accounts.emails import email_checked
from moncompte.accounts.models import ConsentChannel
from moncompte.accounts.states import AccountState
from moncompte.api.common import AccountNotActive, AppBearer, Problem, bearer, client_of
from moncompte.captcha.challenges import challenge_create, challenge_png, challenge_wav
from moncompte.captcha.guard import CaptchaProof
from moncompte.captcha.limits import media_count
from moncompte.captcha.work import work_challenge
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import ContactDetails, contact_submit
from moncompte.enrollment.email_links import email_replace, link_resend
from moncompte.enrollment.selectors import account_state_of
from moncompte.registry import nir as nir_rules

router = Router(tags=["parcours"])


class ChallengeOut(Schema):
    id: str
    key: str  # R-CAP4: the answer counts only with this key, which only the app that asked holds
    image: str
    audio: str
    expires_in: int
    work: str  # R-CAP6: the proof-of-work challenge (ALTCHA JSON) made for this challenge, as the web page has it


class IdentityIn(Schema):
    nir: str = Field(max_length=30)
    birth_date: str  # 1984-05-03 or 03/05/1984
    postal_code: str = Field(max_length=10)
    email: str = Field(max_length=254)
    captcha_id: str = Field(max_length=200)
    captcha_key: str = Field(max_length=100)
    captcha_answer: str = Field(max_length=20)
    captcha_work: str = Field("", max_length=4000)


class CodeSentOut(Schema):
    email_masked: str
    expires_at: datetime


class ContactIn(Schema):
    email: str = Field(max_length=254)
    email_confirmation: str = Field(max_length=254)
    mobile: str = Field("", max_length=30)
    landline: str = Field("", max_length=30)
    # "email" always; "mobile_call", "mobile_sms", "landline_call" with the numbers
    consents: dict[str, bool] = Field(max_length=4)


class EmailIn(Schema):
    email: str = Field(max_length=254)
    email_confirmation: str = Field(max_length=254)


class LinkSentOut(Schema):
    email_masked: str


class ConsentAnswerMissing(DomainError):
    code = "consent_missing"
    field = "consents"
    message = "Répondez par oui ou par non à chaque question d'information promotionnelle."


class EmailsDiffer(DomainError):
    code = "emails_differ"
    field = "email_confirmation"
    message = "Les deux adresses email ne sont pas identiques."


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


def _media(request: HttpRequest, challenge_id: str, draw: Any, kind: str) -> HttpResponse:
    now = clock.now()
    media_count(client=client_of(request), now=now)
    content = draw(challenge_id=challenge_id, now=now)
    if content is None:
        return HttpResponse(status=404)
    return HttpResponse(content, content_type=kind, headers={"Cache-Control": "private, max-age=300"})


@router.get("/captcha/{challenge_id}/image.png", response={200: None, 404: None, 429: Problem})
def captcha_image(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _media(request, challenge_id, challenge_png, "image/png")


@router.get("/captcha/{challenge_id}/audio.wav", response={200: None, 404: None, 429: Problem})
def captcha_audio(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _media(request, challenge_id, challenge_wav, "audio/wav")


@router.post("/enrollment/identity", response={202: CodeSentOut, 400: Problem, 429: Problem})
def identity(request: HttpRequest, payload: IdentityIn) -> Status[Any]:
    """R-ID1, R-CAP1: the provisional code goes to the email given; the answer says only where it went."""
    now, nir = clock.now(), nir_rules.parse(payload.nir)
    birth_date = nir_rules.birth_date_parse(payload.birth_date, today=now.date())
    nir_rules.check_birth_date(nir, birth_date)
    proof = CaptchaProof(payload.captcha_id, payload.captcha_answer, payload.captcha_key, payload.captcha_work)
    sent = code_send(
        nir=nir,
        birth_date=birth_date,
        postal_code=payload.postal_code.replace(" ", ""),
        email=email_checked(payload.email),
        captcha=proof,
        client=client_of(request),
        now=now,
    )
    return Status(202, {"email_masked": sent.email_masked, "expires_at": sent.expires_at})


def email_pair(email: str, again: str) -> str:
    checked = email_checked(email)
    if checked.lower() != email_checked(again).lower():
        raise EmailsDiffer()
    return checked


def _at_step(request: HttpRequest, state: AccountState) -> int:
    account_id = bearer(request).account_id
    if account_state_of(account_id=account_id) is not state:
        raise AccountNotActive("Cette étape n'est pas celle où en est votre compte.")
    return account_id


@router.post(
    "/enrollment/contact", response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem}, auth=AppBearer()
)
def contact(request: HttpRequest, payload: ContactIn) -> dict[str, str]:
    """R-CT1..4: the address (twice), the phones and an answer to each consent question asked."""
    account_id = _at_step(request, AccountState.CONTACT_PENDING)
    mobile = phones.parse_optional(payload.mobile, phones.parse_mobile, field="mobile")
    landline = phones.parse_optional(payload.landline, phones.parse_landline, field="landline")
    asked = {ConsentChannel.EMAIL, *channels_for(mobile=mobile, landline=landline)}
    if any(channel.value not in payload.consents for channel in asked):
        raise ConsentAnswerMissing()
    details = ContactDetails(
        email=email_pair(payload.email, payload.email_confirmation),
        mobile=mobile,
        landline=landline,
        consents={channel: bool(payload.consents.get(channel.value)) for channel in ConsentChannel},
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
    account_id = _at_step(request, AccountState.EMAIL_PENDING)
    return {"email_masked": link_resend(account_id=account_id, client=client_of(request), now=clock.now())}


@router.post(
    "/email/replace",
    response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem, 429: Problem},
    auth=AppBearer(),
)
def email_other(request: HttpRequest, payload: EmailIn) -> dict[str, str]:
    """R-EM6, R-EM7: the link to another address (or a new one once the old was forgotten)."""
    account_id = _at_step(request, AccountState.EMAIL_PENDING)
    address = email_pair(payload.email, payload.email_confirmation)
    return {
        "email_masked": email_replace(
            account_id=account_id, address=address, client=client_of(request), now=clock.now()
        )
    }
