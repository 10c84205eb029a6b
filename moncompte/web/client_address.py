"""Who a request comes from (R-LIM1): see moncompte/core/client_address.py, shared with the app's API."""

from moncompte.core.client_address import client_address, peer_is_trusted_proxy, relayed_by_unknown_proxy

__all__ = ["client_address", "peer_is_trusted_proxy", "relayed_by_unknown_proxy"]
