"""Who is asking: the client's address behind our own reverse proxies, and a key for its network.

``X-Forwarded-For`` is a list anyone can write to. Only a request that reached us from one of
``TRUSTED_PROXIES`` has it believed, and then only as far as the proxies we trust: the list is
read from the right (each proxy appends the address it saw), trusted proxies are skipped, and the
first address that is not one of them is the client. Whatever the client wrote further left is
never read.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV6_PREFIX = 64  # the block one household or server usually gets
KEY_LENGTH = 32  # the Scan.client column


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def parse_address(text: str) -> Address | None:
    """An address as a proxy may write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:80``,
    ``::ffff:1.2.3.4``), or None when it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent this request, as text.

    Also django-ratelimit's ``RATELIMIT_IP_META_KEY``, so its counters and our caps see the same
    client.
    """
    remote_text = request.META.get("REMOTE_ADDR", "")
    remote = parse_address(remote_text)
    proxies = _networks(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not _trusted(remote, proxies):
        return str(remote) if remote is not None else remote_text
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy would not write this: what it says (and everything left of it)
            # cannot be believed, so the last address we could believe stands.
            break
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


def network_of(address: str) -> str:
    """The block one client is counted by: an IPv4 address alone, an IPv6 address's /64."""
    parsed = parse_address(address)
    if parsed is None:
        return address
    prefix = IPV6_PREFIX if parsed.version == 6 else 32
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's network: enough to count its scans, never the address."""
    digest = salted_hmac(
        "webui.clients.client_key", network_of(client_ip(request)), algorithm="sha256"
    )
    return digest.hexdigest()[:KEY_LENGTH]
