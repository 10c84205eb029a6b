"""R-API1: the first visit through the app — the CAPTCHA (image and French audio as files), the identity
step, the personal code chosen with the restricted token, contact details, and the confirmation link resent or
sent elsewhere. Same use cases as the web."""

import secrets
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import P, PathEx, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool

from moncompte.accounts import inputs
from moncompte.accounts.steps import AccountStep
from moncompte.api import examples, texts
from moncompte.api.common import (
    AppBearer,
    CaptchaIn,
    EmailIn,
    LinkSentOut,
    Problem,
    RestrictedBearer,
    at_step,
    client_of,
    documented,
    file_answer,
    read,
    typed,
)
from moncompte.api.problems import PersonalCodeProblem
from moncompte.api.sessions import TokensAndStepOut, tokens_out
from moncompte.appsessions.personal_code import app_personal_code_choose
from moncompte.captcha.challenges import challenge_create, challenge_png, challenge_wav
from moncompte.captcha.errors import ChallengeGone
from moncompte.captcha.limits import media_count
from moncompte.captcha.work import work_challenge
from moncompte.core import clock
from moncompte.enrollment import email_links
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import ContactDetails, contact_submit

router = Router(tags=["parcours"])


class ChallengeOut(Schema):
    """Un défi anti-robot et son défi de preuve de travail."""

    id: str = Field(description="Identifiant du défi, à renvoyer dans `captcha_id`.")
    # R-CAP4: the answer counts only with this key, which only the app that asked holds
    key: str = Field(
        description="Clé du défi, à renvoyer dans `captcha_key` : la réponse ne compte qu'avec elle. À garder en "
        "mémoire par l'application, jamais à afficher."
    )
    image: str = Field(description="Chemin de l'image du défi (PNG), sur le serveur de l'API.")
    audio: str = Field(
        description="Chemin de la version audio (WAV, en français) : une voix dit des nombres, à écrire en "
        "chiffres. Sa réponse n'est pas celle de l'image."
    )
    expires_in: int = Field(description="Durée de validité du défi, en secondes. Un défi ne sert qu'une fois.")
    work: str = Field(description=texts.WORK_CHALLENGE)  # R-CAP6: the ALTCHA JSON, as the web page has it


class IdentityIn(CaptchaIn):
    """L'étape d'identité : qui est la personne, où lui envoyer son code, et le défi anti-robot."""

    # The typed inputs are read as the web's page reads them (accounts.inputs.IDENTITY).
    nir: str = typed(inputs.NIR)
    birth_date: str = typed(inputs.BIRTH_DATE)
    postal_code: str = typed(inputs.POSTAL_CODE)
    email: str = typed(inputs.EMAIL_FOR_CODE)


class PersonalCodeIn(Schema):
    """Le code personnel choisi, saisi deux fois."""

    password: str = typed(inputs.PASSWORD)
    confirmation: str = typed(inputs.CONFIRMATION)


class CodeSentOut(Schema):
    """Le code provisoire est parti."""

    email_masked: str = Field(
        description="L'adresse où le code est parti, en partie masquée (« c•••••e@example.fr ») : de quoi la "
        "reconnaître."
    )
    expires_at: datetime = Field(
        description="La date et l'heure de fin de validité du code provisoire (ISO 8601, UTC)."
    )


class ContactIn(Schema):
    """Les coordonnées : l'adresse email (deux fois), les numéros de téléphone et une réponse à chaque question
    de consentement posée (par email toujours ; par téléphone et par SMS avec un portable ; par téléphone avec un
    fixe)."""

    # As the web's page names them (accounts.inputs.CONTACT): a consent answered true or false, null (or left out)
    # when unanswered; consent_email is always asked, the others only with their number (R-CT4). Strictly booleans:
    # 0 or "non" are refused as the document says, never read as an answer.
    email: str = typed(inputs.EMAIL)
    email_confirmation: str = typed(inputs.EMAIL_CONFIRMATION)
    mobile: str = typed(inputs.MOBILE, default="")
    landline: str = typed(inputs.LANDLINE, default="")
    consent_email: StrictBool | None = Field(None, description=texts.CONSENT_EMAIL)
    consent_mobile_call: StrictBool | None = Field(None, description=f"Appels sur le portable : {texts.PHONE_CONSENT}")
    consent_mobile_sms: StrictBool | None = Field(None, description=f"SMS sur le portable : {texts.PHONE_CONSENT}")
    consent_landline_call: StrictBool | None = Field(None, description=f"Appels sur le fixe : {texts.PHONE_CONSENT}")


ChallengeId = PathEx[str, P(description="Identifiant du défi : `id` de la réponse de `POST /captcha`.")]


@router.post(
    "/captcha",
    response={200: ChallengeOut, 429: Problem},
    summary="Demander un défi anti-robot",
    description="Un défi CAPTCHA (une image et sa version audio, à télécharger par `image` et `audio`) et le défi "
    "de preuve de travail qui va avec (`work`), pour l'étape d'identité et « Code oublié ? ». Un défi vaut "
    "`expires_in` secondes et ne sert qu'une fois : après une réponse fausse ou expirée, en demander un autre. "
    "Les défis, images et sons demandés sont limités par client (429, `Retry-After`).",
    openapi_extra=documented(answers={200: ("Le défi", examples.CHALLENGE)}),
)
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
        raise ChallengeGone()
    return HttpResponse(content, content_type=kind)  # no-store, as every answer of the API (R-SEC2)


@router.get(
    "/captcha/{challenge_id}/image.png",
    response={200: None, 404: None, 429: Problem},
    summary="Télécharger l'image d'un défi anti-robot",
    description="L'image PNG du défi (la même à chaque demande), à montrer avec un texte qui dit que la version "
    "audio est un autre code. 404 pour un défi inconnu ou expiré.",
    openapi_extra=file_answer("image/png", "L'image du défi (PNG)"),
)
def captcha_image(request: HttpRequest, challenge_id: ChallengeId) -> HttpResponse:
    return _captcha_media(request, challenge_id, challenge_png, "image/png")


@router.get(
    "/captcha/{challenge_id}/audio.wav",
    response={200: None, 404: None, 429: Problem},
    summary="Télécharger la version audio d'un défi anti-robot",
    description="Le son WAV du défi, en français : une consigne, puis cinq nombres de 10 à 99, à écrire en "
    "chiffres. Sa réponse n'est pas celle de l'image : l'une ou l'autre est acceptée. 404 pour un défi inconnu ou "
    "expiré.",
    openapi_extra=file_answer("audio/wav", "Le son du défi (WAV)"),
)
def captcha_audio(request: HttpRequest, challenge_id: ChallengeId) -> HttpResponse:
    return _captcha_media(request, challenge_id, challenge_wav, "audio/wav")


@router.post(
    "/enrollment/identity",
    response={202: CodeSentOut, 400: Problem, 429: Problem},
    summary="Recevoir un code provisoire (étape d'identité)",
    description="La première étape de la création du compte. Si le NIR, la date de naissance et le code postal "
    "sont ceux d'une personne que l'Assurance Maladie connaît, et qu'elle n'a pas encore de compte, un code "
    "provisoire part à l'adresse email donnée ; la réponse ne dit que cette adresse, masquée, et la fin de "
    "validité du code. Le défi anti-robot est demandé (`POST /captcha`). Toutes les saisies refusées sont dans "
    "`errors`, avec les messages du site.",
    openapi_extra=documented(
        request=examples.IDENTITY, answers={202: ("Le code provisoire est parti", examples.CODE_SENT)}
    ),
)
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


@router.post(
    "/personal-code",
    response={200: TokensAndStepOut, 400: PersonalCodeProblem, 401: Problem},
    auth=RestrictedBearer(),
    summary="Choisir son code personnel",
    description="Avec le jeton restreint du code provisoire, dont c'est la seule opération. Le code personnel "
    "remplace le code provisoire et met fin au jeton restreint : la réponse donne une paire de jetons, et "
    "`next_step` vaut `give_contact_details`. Une même demande envoyée deux fois (double envoi, réponse perdue) "
    "reçoit la même réponse.",
    openapi_extra=documented(
        request=examples.PERSONAL_CODE_CHOSEN,
        answers={200: ("Le code personnel est choisi", examples.CONTACT_STEP)},
    ),
)
def personal_code_choose(request: HttpRequest, payload: PersonalCodeIn) -> dict[str, Any]:
    """R-CODE4: the only operation of the restricted token. The personal code ends it (R-LIM5): a pair comes back,
    with a device token as a sign-in with the personal code gives (R-LIM8), the same to a double submit or a retry
    (R-API2)."""
    chosen = app_personal_code_choose(
        restricted_token=str(getattr(request, "auth", "")),
        **read(inputs.PERSONAL_CODE, payload),
        client=client_of(request),
        now=clock.now(),
    )
    return tokens_out(chosen.issued, account_id=chosen.issued.account_id, device=chosen.device)


@router.post(
    "/enrollment/contact",
    response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem},
    auth=AppBearer(),
    summary="Donner ses coordonnées",
    description="À l'étape `give_contact_details` (403 sinon) : l'adresse email, deux fois, les numéros de "
    "téléphone, facultatifs, et une réponse à chaque question de consentement posée. Un lien de confirmation part "
    "à l'adresse : le compte s'ouvre quand la personne clique dessus (`next_step` passe alors de `confirm_email` à "
    "`account`).",
    openapi_extra=documented(request=examples.CONTACT, answers={200: ("Le lien est parti", examples.LINK_SENT)}),
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
    summary="Renvoyer le lien de confirmation",
    description="À l'étape `confirm_email` (403 sinon) : un nouveau lien, à la même adresse ; seul le plus récent "
    "fonctionne. Les renvois sont espacés et comptés par jour (429, `Retry-After`). Une adresse qui n'est plus "
    "mémorisée se remplace par `POST /email/replace`.",
    openapi_extra=documented(answers={200: ("Le lien est parti", examples.LINK_SENT)}),
)
def email_resend(request: HttpRequest) -> dict[str, str]:
    """R-EM6: the link again, to the same address (from 7 to 21 days, or any time before)."""
    account_id = at_step(request, AccountStep.CONFIRM_EMAIL).account_id
    return {"email_masked": email_links.link_resend(account_id=account_id, client=client_of(request), now=clock.now())}


@router.post(
    "/email/replace",
    response={200: LinkSentOut, 400: Problem, 401: Problem, 403: Problem, 429: Problem},
    auth=AppBearer(),
    summary="Envoyer le lien de confirmation à une autre adresse",
    description="À l'étape `confirm_email` (403 sinon) : une autre adresse, deux fois, à laquelle part un nouveau "
    "lien ; les liens précédents ne fonctionnent plus. C'est aussi la suite quand l'adresse donnée n'est plus "
    "mémorisée (le `message` de la connexion le dit).",
    openapi_extra=documented(
        request=examples.OTHER_EMAIL, answers={200: ("Le lien est parti", examples.OTHER_LINK_SENT)}
    ),
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
