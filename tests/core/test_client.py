"""R-CAP4, R-CAP6: the network of a client, for the limits and the proof of work a script cannot dodge by
moving to the next address of its network."""

from dataclasses import replace

import pytest

from moncompte.core.client import Client, network_of


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("203.0.113.254", "203.0.113.0/24"),
        ("10.1.2.3", "10.1.2.0/24"),
        ("2001:db8:1:2::/64", "2001:db8:1::/48"),  # IPv6 clients come already counted per /64 (R-LIM1)
        ("2001:db8:1:ffff:aaaa::9", "2001:db8:1::/48"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),  # IPv4-mapped IPv6: the IPv4 it is
        ("::ffff:cb00:7107", "203.0.113.0/24"),
    ],
)
def test_the_network_is_the_24_in_ipv4_and_the_48_in_ipv6_R_CAP6(address, network):
    assert network_of(address) == network


def test_neighbours_share_a_network_and_strangers_do_not_R_CAP6():
    assert Client("203.0.113.7").network == Client("203.0.113.200").network
    assert Client("203.0.113.7").network != Client("203.0.114.7").network
    assert Client("2001:db8:1:2::/64").network == Client("2001:db8:1:3::/64").network
    assert Client("2001:db8:1:2::/64").network != Client("2001:db8:2:2::/64").network


@pytest.mark.parametrize("address", ["", "unknown", "203.0.113.999", "é"])
def test_an_unreadable_address_is_a_network_of_its_own(address):
    assert network_of(address) == address


def test_the_prefixes_are_settings_R_SEC4(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, network_prefix_ipv4=16, network_prefix_ipv6=56)
    assert network_of("203.0.113.7") == "203.0.0.0/16"
    assert network_of("2001:db8:1:2::/64") == "2001:db8:1::/56"
