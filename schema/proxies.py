"""The client's address behind a proxy: X-Real-IP, from a trusted proxy only.

Per-address limits (sign-in throttling, cost budgets) read REMOTE_ADDR. Behind
the front (deploy/nginx.conf) that is the front's own address, shared by every
client. The front puts the client's address in X-Real-IP; any client can send
that header too, so it is believed only when the connection itself comes from
an address in TRUSTED_PROXIES.
"""

from collections.abc import Callable, Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = IPv4Network | IPv6Network


def trusted_networks(entries: Iterable[str]) -> list[Network]:
    """Parse TRUSTED_PROXIES: addresses or networks (`10.0.0.0/8`)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network."
            ) from None
    return networks


def client_address(peer: str, real_ip: str | None, trusted: list[Network]) -> str:
    """The client's address: the proxy's word for it, when the peer is a proxy."""
    if not real_ip or not trusted:
        return peer
    try:
        is_proxy = any(ip_address(peer) in network for network in trusted)
        claimed = ip_address(real_ip.strip())
    except ValueError:  # no address (a unix socket) or garbage in the header
        return peer
    return str(claimed) if is_proxy else peer


class TrustedProxyMiddleware:
    """Put the client's address in REMOTE_ADDR before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = trusted_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        meta["REMOTE_ADDR"] = client_address(
            meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_REAL_IP"), self.trusted
        )
        return self.get_response(request)
