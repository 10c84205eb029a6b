"""The CAPTCHA's picture, audio and "Nouveau code" (R-CAP1)."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from moncompte.captcha.challenges import challenge_create, challenge_png, challenge_wav
from moncompte.core import clock


def _no_store(body: bytes | None, content_type: str) -> HttpResponse:
    if body is None:
        raise Http404("Ce code a expiré.")
    return HttpResponse(body, content_type=content_type, headers={"Cache-Control": "no-store"})


@require_safe
def captcha_image(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _no_store(challenge_png(challenge_id=challenge_id, now=clock.now()), "image/png")


@require_safe
def captcha_audio(request: HttpRequest, challenge_id: str) -> HttpResponse:
    return _no_store(challenge_wav(challenge_id=challenge_id, now=clock.now()), "audio/wav")


@require_POST
def captcha_new(request: HttpRequest) -> JsonResponse:
    challenge = challenge_create(now=clock.now())
    return JsonResponse(
        {
            "id": challenge.id,
            "image": reverse("web:captcha_image", args=[challenge.id]),
            "audio": reverse("web:captcha_audio", args=[challenge.id]),
        }
    )
