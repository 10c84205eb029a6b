from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("moncompte.web.urls")),
    path("support/", admin.site.urls),
]
