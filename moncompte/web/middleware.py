"""R-SEC2 headers on every response, and a request id that ties a server error to its log line."""

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response

from moncompte.core.outage import take_backs_kept
from moncompte.core.redis_cache import redis_waits_bounded
from moncompte.core.request_context import current_request_id, request_id_set

CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def request_id(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        with request_id_set(secrets.token_hex(6)), take_backs_kept(), redis_waits_bounded():
            response = get_response(request)
            response.headers["X-Request-Id"] = current_request_id()
            if response.status_code >= 400:
                # Django's own line for an answer a view gave (a 503 that kept its form, a 404) comes once every
                # middleware has returned, the id gone: logged here, with it, Django's is skipped.
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            return response

    return middleware


def friendly_405(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A method a page does not take answers a French page (Django's answer has an empty body)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            from moncompte.web.views.errors import error_page

            page = error_page(405)
            page.headers["Allow"] = response.headers.get("Allow", "")
            return page
        return response

    return middleware


def security_headers(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        path = request.path_info
        if response.get("Content-Type", "").startswith("text/html") or path.startswith("/api/") or path == "/api":
            # Pages carry personal data or single-use forms, the APIs' answers tokens (RFC 6749 §5.1), personal
            # data or a CAPTCHA's pictures: never kept by the browser, the app or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response

    return middleware
