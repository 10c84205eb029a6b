"""Who a request comes from, for the per-client limits and the security log (R-LIM1).

The TCP peer, unless the peer is one of our reverse proxies (settings.TRUSTED_PROXIES): then the address
the nearest untrusted hop wrote in X-Forwarded-For. A client can write anything in that header; only what
our own proxies appended is believed, read from the right. IPv6 clients are counted per /64, the block one
subscriber usually gets, or a single machine could rotate through billions of addresses.
"""

from collections.abc import Mapping
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Protocol

from django.conf import settings


class HttpRequest(Protocol):
    """What is read of a request (a Django request is one): the web pages and the app's API both ask."""

    @property
    def META(self) -> Mapping[str, str]: ...  # noqa: N802 - Django's name

    @property
    def headers(self) -> Mapping[str, str]: ...


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    """An address as a proxy may write it: "1.2.3.4", "1.2.3.4:4444", "[2001:db8::1]:443", "::ffff:1.2.3.4"."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket shows IPv4 peers this way: trusted lists say 10.0.0.5
    return address


def _trusted(address: IPv4Address | IPv6Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and _trusted(peer)


def relayed_by_unknown_proxy(request: HttpRequest) -> bool:
    """The request says it was forwarded, by a peer that is not one of our proxies: its origin is unknown."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    return "X-Forwarded-For" in request.headers and (peer is None or not _trusted(peer))


def client_address(request: HttpRequest) -> str:
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    address = peer
    if _trusted(peer):
        hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            parsed = _parse(hop)
            if parsed is None:
                break  # garbage written by the client itself: keep the last address we can vouch for
            address = parsed
            if not _trusted(parsed):
                break
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(IPv6Network(f"{address}/64", strict=False))
    return str(address)
