from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

PROFILE = engines["django"].from_string(
    "<!doctype html><html lang='fr'><title>Profil</title><h1>Bonjour</h1><p>{{ user.email }}</p>"
    "<form method='post' action='/accounts/logout/'>{% csrf_token %}<button>Se déconnecter</button></form></html>"
)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PROFILE.render({"user": request.user}, request))


urlpatterns = [path("accounts/", include("allauth.urls")), path("profile/", profile)]
