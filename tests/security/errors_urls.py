"""A URL configuration for tests: the site, plus a page and an API address that fail like a bug would."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("panne simulée")


urlpatterns = [
    path("panne/", broken),
    path("api/v1/panne", broken),  # a bug under the app's API (api.fallback)
    path("", include("moncompte.config.urls")),
]

handler400 = "moncompte.web.views.errors.bad_request"
handler404 = "moncompte.web.views.errors.page_not_found"
handler500 = "moncompte.web.views.errors.server_error"
