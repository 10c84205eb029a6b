"""The CAPTCHA's picture, audio and "Nouveau code" (R-CAP1)."""

from collections.abc import Callable
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from moncompte.captcha.challenges import Challenge, challenge_create, challenge_png, challenge_wav
from moncompte.captcha.limits import media_count
from moncompte.captcha.work import work_challenge
from moncompte.core import clock
from moncompte.core.errors import TooManyAttempts
from moncompte.web import session


def _retry_after(refused: TooManyAttempts) -> dict[str, str]:
    return {"Retry-After": str(max(1, int(refused.retry_after.total_seconds())))}


def _media(request: HttpRequest, draw: Callable[..., bytes | None], challenge_id: str, kind: str) -> HttpResponse:
    now = clock.now()
    try:
        media_count(client=session.client_of(request), now=now)
    except TooManyAttempts as refused:
        return HttpResponse(
            refused.message, status=429, content_type="text/plain; charset=utf-8", headers=_retry_after(refused)
        )
    body = draw(challenge_id=challenge_id, now=now)
    if body is None:
        raise Http404("Ce code a expiré.")
    return HttpResponse(body, content_type=kind, headers={"Cache-Control": "no-store"})


@require_safe
def captcha_image(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _media(request, challenge_png, challenge_id, "image/png")


@require_safe
def captcha_audio(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _media(request, challenge_wav, challenge_id, "audio/wav")


@require_POST
def captcha_new(request: HttpRequest) -> JsonResponse:
    """« Nouveau code anti-robot »: a new challenge and the proof of work made for it (R-CAP6)."""
    now, binding, client = clock.now(), session.captcha_binding(request), session.client_of(request)
    try:
        challenge = challenge_create(binding=binding, client=client, now=now)
    except TooManyAttempts as refused:
        return JsonResponse({"message": refused.message}, status=429, headers=_retry_after(refused))
    return JsonResponse(_offered(challenge, work_challenge(challenge_id=challenge.id, client=client, now=now), now))


def _offered(challenge: Challenge, work: str, now: datetime) -> dict[str, object]:
    return {
        "id": challenge.id,
        "image": reverse("web:captcha_image", args=[challenge.id]),
        "audio": reverse("web:captcha_audio", args=[challenge.id]),
        "seconds_left": int((challenge.expires_at - now).total_seconds()),
        "work": work,  # the JSON of the work challenge, as the page carries it
    }
