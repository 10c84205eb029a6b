from django.contrib import admin
from django.urls import include, path

from moncompte.api.app import api
from moncompte.api.internal import internal_api
from moncompte.web.views.metrics import metrics_page

urlpatterns = [
    path("metrics", metrics_page),
    path("api/v1/", api.urls),
    path("api/interne/v1/", internal_api.urls),  # the other services of the Assurance Maladie (R-MSG8)
    path("", include("moncompte.web.urls")),
    path("support/", admin.site.urls),
]

# R-A11Y6: French error pages in the site's layout.
handler400 = "moncompte.web.views.errors.bad_request"
handler403 = "moncompte.web.views.errors.permission_denied"
handler404 = "moncompte.web.views.errors.page_not_found"
handler500 = "moncompte.web.views.errors.server_error"
