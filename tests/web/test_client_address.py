"""R-LIM1: who a request comes from, behind our reverse proxies and over IPv6."""

import pytest
from django.test import RequestFactory

from moncompte.config import env
from moncompte.web.client_address import client_address

PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxies(settings):
    settings.TRUSTED_PROXIES = env.ip_networks_of("10.0.0.0/8, fd00::/8")


def seen(peer: str, forwarded: str | None = None) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=peer)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(request)


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert seen("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client_R_LIM1(behind_proxies):
    assert seen(PROXY, "198.51.100.1") == "198.51.100.1"


def test_a_forged_header_from_the_client_is_not_believed_R_LIM1(behind_proxies):
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert seen(PROXY, "1.2.3.4, 198.51.100.1") == "198.51.100.1"
    assert seen("203.0.113.7", "1.2.3.4") == "203.0.113.7"  # not through our proxy: the header is ignored


def test_a_chain_of_our_own_proxies_is_walked_back(behind_proxies):
    assert seen(PROXY, "198.51.100.1, 10.0.0.9") == "198.51.100.1"


def test_garbage_in_the_header_keeps_the_last_address_we_can_vouch_for(behind_proxies):
    assert seen(PROXY, "not-an-address") == PROXY
    assert seen(PROXY, "") == PROXY


def test_ipv6_clients_are_counted_per_64_R_LIM1(settings):
    settings.TRUSTED_PROXIES = []
    assert seen("2001:db8:1:2:aaaa::1") == seen("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert seen("2001:db8:1:3::1") != seen("2001:db8:1:2::1")
    assert seen("::ffff:203.0.113.7") == "203.0.113.7"


def test_a_wrong_proxy_list_is_refused_with_its_name():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="n'est pas une adresse"):
        env.ip_networks_of("10.0.0.0/8, chez-moi")


def test_a_proxy_seen_through_a_dual_stack_socket_is_still_trusted(behind_proxies):
    assert seen("::ffff:10.0.0.5", "198.51.100.1") == "198.51.100.1"


def test_forwarded_addresses_with_a_port_are_read(behind_proxies):
    assert seen(PROXY, "198.51.100.1:4444") == "198.51.100.1"
    assert seen(PROXY, "[2001:db8:1:2::1]:443") == "2001:db8:1:2::/64"
