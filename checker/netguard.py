"""The SSRF guard: decide which addresses the engine may connect to, and resolve names once.

Only globally routable unicast addresses pass. ``ipaddress.is_global`` alone is not enough on
Python 3.11 (multicast counts as global, CGNAT is neither private nor global, and IPv6 forms that
wrap an IPv4 address report global), so an explicit deny list sits beside it and any embedded IPv4
address is unwrapped and judged on its own. An allow list given by the caller (tests, local
development) is the only way through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges never reached, whatever ``is_global`` says. Each line: range, the word shown to users.
DENIED_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("64:ff9b::/96", "NAT64"),
    ("64:ff9b:1::/48", "NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_DENIED = tuple((ipaddress.ip_network(cidr), label) for cidr, label in DENIED_RANGES)


class AddressRefused(Exception):
    """Our own guard refused to connect; ``message`` explains it to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResolutionFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = int(address)
    if address in ipaddress.ip_network("64:ff9b::/96") or (packed >> 32 == 0 and packed > 1):
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _allowed_by(address: IPAddress, allow: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in allow)


def denial_reason(address: IPAddress, allow: tuple[IPNetwork, ...] = ()) -> str | None:
    """Why the address may not be reached, or None when it may."""
    inner = embedded_ipv4(address)
    if _allowed_by(address, allow) or (inner is not None and _allowed_by(inner, allow)):
        return None
    if inner is not None:
        inner_reason = denial_reason(inner)
        if inner_reason is not None:
            return f"{inner_reason} (wrapped in an IPv6 address)"
    for network, label in _DENIED:
        if address.version == network.version and address in network:
            return label
    if address.is_multicast:
        return "multicast"
    if not address.is_global:
        return "not public"
    return None


def check_address(address: str, allow: tuple[IPNetwork, ...] = ()) -> IPAddress:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    reason = denial_reason(ip, allow)
    if reason is not None:
        raise AddressRefused(
            f"{ip} is not a public address ({reason}). Only public sites can be checked."
        )
    return ip


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class Resolved:
    host: str
    addresses: tuple[IPAddress, ...]  # every address checked; the first is the one to connect to


async def resolve(
    host: str, port: int, allow: tuple[IPNetwork, ...], timeout: float = 5.0
) -> Resolved:
    """Resolve once and check every address; refuse the name if any one is denied."""
    literal = literal_address(host)
    if literal is not None:
        return Resolved(host, (check_address(str(literal), allow),))
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise ResolutionFailed(f"Looking up {host} took longer than {timeout:g} s.") from None
    except (socket.gaierror, UnicodeError, OSError):
        raise ResolutionFailed(f"The name {host} could not be found in DNS.") from None
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            ip = check_address(str(info[4][0]), allow)
        except AddressRefused as exc:
            raise AddressRefused(f"{host} resolves to {exc.message}") from None
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise ResolutionFailed(f"The name {host} has no address.")
    return Resolved(host, tuple(addresses))
