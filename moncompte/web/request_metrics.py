"""R-DLV4: the RED method for /metrics — requests by route, method and status, their duration by route, and
those in flight. Placed just after the health checks (probes every few seconds would drown the figures) and
before everything else, so that sessions, CSRF and static files count in the time a person waits."""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from moncompte.core import metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The statuses the service answers on purpose are counted by code; anything else by class ("5xx"), so that a
# client sending odd requests cannot add series.
STATUSES = frozenset({200, 201, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429})
STATUSES |= {500, 502, 503, 504}
UNMATCHED = "unmatched"  # no URL pattern: a 404 for a path nobody serves
STATIC = "static"


def request_metrics(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        in_flight = metrics.http_requests_in_flight
        in_flight.inc()
        try:
            response = get_response(request)
        finally:
            in_flight.dec()
        route = route_of(request)
        metrics.http_request_seconds.labels(route).observe(time.perf_counter() - started)
        metrics.http_requests.labels(route, method_of(request), status_of(response.status_code)).inc()
        return response

    return middleware


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name (`web:email_link`), or its pattern when it has none (`metrics`): never the path,
    which holds link tokens and any string a client makes up."""
    match: ResolverMatch | None = request.resolver_match
    if match is not None:
        return match.view_name if match.url_name else match.route
    if request.path.startswith(settings.STATIC_URL):
        return STATIC  # served by WhiteNoise before any URL is resolved
    return UNMATCHED


def method_of(request: HttpRequest) -> str:
    return request.method if request.method in METHODS else "other"


def status_of(code: int) -> str:
    return str(code) if code in STATUSES else f"{code // 100}xx"
