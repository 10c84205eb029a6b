"""R-DLV4: /metrics for Prometheus, never public: answered only to the internal networks of the settings, or
to a request carrying the configured token; everyone else gets the site's 404."""

from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from moncompte.core.conf import conf
from moncompte.defence.collector import AttackModeCollector
from moncompte.outbox.queue_metrics import OutboxCollector
from moncompte.web.client_address import client_address, peer_is_trusted_proxy, relayed_by_unknown_proxy


def internal_caller(request: HttpRequest) -> bool:
    """The internal networks of the settings (straight, never through a proxy), or the bearer token."""
    token = conf().metrics_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and constant_time_compare(given, token):
        return True
    if relayed_by_unknown_proxy(request) or peer_is_trusted_proxy(request):
        # Prometheus scrapes the server directly. Through a proxy (declared or not), the address left when
        # the proxy writes no usable X-Forwarded-For is the proxy's own, often 127.0.0.1: never an entry.
        return False
    address = client_address(request)
    if not address or "/" in address:  # an IPv6 client is known per /64: not one internal host
        return False
    return any(ip_address(address) in ip_network(net) for net in conf().metrics_networks)


@require_safe
def metrics_page(request: HttpRequest) -> HttpResponse:
    if not internal_caller(request):
        raise Http404("Page introuvable.")
    if settings.PROMETHEUS_MULTIPROC_DIR:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    queue = CollectorRegistry()
    queue.register(OutboxCollector())
    queue.register(AttackModeCollector())  # R-BOT1
    from moncompte.web.health import ReadinessCollector  # here: health imports this module (internal_caller)

    queue.register(ReadinessCollector())
    return HttpResponse(generate_latest(counted) + generate_latest(queue), content_type=CONTENT_TYPE_LATEST)
