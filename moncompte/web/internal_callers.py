"""Who may read the service's inner figures (R-DLV4: /metrics, and the details of /sante/pret/): the internal
networks of the settings, reached straight, or a request carrying the configured token."""

from ipaddress import ip_address, ip_network

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from moncompte.core.conf import conf
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
