from dataclasses import dataclass
from ipaddress import IPv6Address, ip_network

from moncompte.core.conf import conf


@dataclass(frozen=True)
class Client:
    """Where a request comes from, as the domain and the audit log need it (never the request itself)."""

    address: str
    user_agent: str = ""
    channel: str = "web"  # "app" for the ameli app's API: written with each event of the audit log

    @property
    def network(self) -> str:
        return network_of(self.address)


def network_of(address: str) -> str:
    """The network a client address belongs to, for the limits a script cannot dodge by moving to the next
    address (R-CAP4, R-CAP6): its /24 in IPv4, its /48 in IPv6 (a site's usual allocation), IPv4-mapped IPv6
    counted as the IPv4 it is. The address may already be a network (IPv6 clients are counted per /64).
    Anything unreadable is its own network: "" stays "", and garbage is not merged with real networks."""
    try:
        network = ip_network(address.strip(), strict=False)
    except ValueError:
        return address
    mapped = IPv6Address(int(network.network_address)).ipv4_mapped if network.version == 6 else None
    if mapped is not None and network.prefixlen >= 96:  # ::ffff:192.0.2.7, as a dual-stack socket shows it
        network = ip_network(f"{mapped}/{network.prefixlen - 96}", strict=False)
    config = conf()
    prefix = config.network_prefix_ipv4 if network.version == 4 else config.network_prefix_ipv6
    return str(network.supernet(new_prefix=min(prefix, network.prefixlen)))
