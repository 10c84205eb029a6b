from typing import Any

from django.conf import settings
from django.http import HttpRequest

from moncompte.core.service_terms import service_terms
from moncompte.messaging.selectors import unread_count
from moncompte.web.routing import account_page_of


def site(request: HttpRequest) -> dict[str, Any]:
    """In every page: the demo flag, the durations and counts the pages state (one source: settings), and on the
    pages of an active account the number of unread messages the header shows (R-MSG3; None everywhere else)."""
    account_id = account_page_of(request)
    unread = unread_count(account_id=account_id) if account_id is not None else None
    return {"demo": settings.DEMO, "terms": service_terms(), "signed_in_unread": unread}
