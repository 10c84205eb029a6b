from typing import Any

from django.conf import settings
from django.http import HttpRequest

from moncompte.core.service_terms import service_terms


def site(request: HttpRequest) -> dict[str, Any]:
    """In every page: the demo flag, and the durations and counts the pages state (one source: settings)."""
    return {"demo": settings.DEMO, "terms": service_terms()}
