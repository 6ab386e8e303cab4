"""The SSRF guard: decide which addresses and ports the engine may connect to; resolve once.

Only globally routable unicast addresses pass. ``ipaddress.is_global`` alone is not enough on
Python 3.11 (multicast counts as global, CGNAT is neither private nor global, and IPv6 forms that
wrap an IPv4 address report global), so an explicit deny list sits beside it and every IPv4
address an IPv6 address can carry is unwrapped and judged on its own. An allow list given by the
caller (tests, local development) is the only way through. Ports are a second, separate gate: only
the web's usual ports by default, so the checker cannot be used to knock on a host's other
services.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges never reached, whatever ``is_global`` says. Each line: range, the word shown to users.
DENIED_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared, CGNAT"),
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
    # The IPv6 forms that carry an IPv4 address are refused as whole ranges, public IPv4 inside
    # or not: mapped and translated addresses are never on the wire between sites; IPv4-compatible
    # addresses are deprecated (RFC 4291); NAT64 sends the connection through a translator on
    # somebody's network to whatever IPv4 address the bits name, and the engine runs on hosts
    # with IPv4 of their own, so a NAT64 answer can only come from a name made to point there;
    # 6to4 (its relays retired by RFC 7526) and Teredo are tunnels through relays we do not
    # control. When the embedded address is itself denied, the refusal names it. ISATAP is the
    # exception: its interface id sits under any prefix, so an ISATAP address is refused only
    # when its IPv4 address is, and otherwise judged by its prefix like any other address.
    ("::/96", "IPv4-compatible"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("::ffff:0:0:0/96", "IPv4-translated"),
    ("64:ff9b::/96", "NAT64"),
    ("64:ff9b:1::/48", "NAT64, local use"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "SRv6 segment routing"),
    ("fc00::/7", "unique local, private"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
    # Only 2000::/3 is handed out for global unicast; the rest of IPv6 is reserved.
    ("::/3", "reserved"),
    ("4000::/2", "reserved"),
    ("8000::/1", "reserved"),
)
_DENIED = tuple((ipaddress.ip_network(cidr), label) for cidr, label in DENIED_RANGES)


class AddressRefused(Exception):
    """Our own guard refused to connect; ``message`` explains it to the person who asked.

    ``address`` and ``reason`` are set when one address was refused, so a caller that looked up a
    name can say the sentence its own way.
    """

    def __init__(self, message: str, address: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.address = address
        self.reason = reason


class ResolutionFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
_ISATAP_IDS = (0x0000_5EFE, 0x0200_5EFE)  # the interface id's upper half (RFC 5214), u bit 0 or 1


def _bits(value: int, start: int, count: int) -> int:
    """``count`` bits of a 128-bit number, ``start`` counted from the most significant bit."""
    return (value >> (128 - start - count)) & ((1 << count) - 1)


def _rfc6052_ipv4(value: int, prefix_length: int) -> ipaddress.IPv4Address | None:
    """The IPv4 address RFC 6052 places after a NAT64 prefix of this length (32 to 64, or 96).

    Below 96 the 32 bits start right after the prefix and skip bits 64-71 (the "u" octet), and
    everything after them is zero; None when those zero bits are not, as no translator made it.
    """
    if prefix_length == 96:
        return ipaddress.IPv4Address(_bits(value, 96, 32))
    before = 64 - prefix_length  # IPv4 bits that come before the u octet
    end = 72 + 32 - before
    if _bits(value, 64, 8) or _bits(value, end, 128 - end):
        return None
    high = _bits(value, prefix_length, before)
    low = _bits(value, 72, 32 - before)
    return ipaddress.IPv4Address((high << (32 - before)) | low)


def embedded_ipv4s(address: IPAddress) -> tuple[tuple[ipaddress.IPv4Address, str], ...]:
    """Every IPv4 address an IPv6 address carries, each with the name of the form that carries it.

    The forms: IPv4-mapped ``::ffff:0:0/96``, IPv4-translated ``::ffff:0:0:0/96`` (SIIT),
    IPv4-compatible ``::/96``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48`` (RFC 6052), 6to4
    ``2002::/16``, Teredo ``2001::/32`` (its server and its obfuscated client) and the ISATAP
    interface ids ``::5efe:a.b.c.d`` and ``::200:5efe:a.b.c.d`` in any /64.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    value = int(address)
    found: list[tuple[ipaddress.IPv4Address, str]] = []
    if address.ipv4_mapped is not None:
        found.append((address.ipv4_mapped, "an IPv4-mapped address"))
    elif value >> 32 == 0xFFFF_0000:
        found.append((ipaddress.IPv4Address(value & 0xFFFF_FFFF), "an IPv4-translated address"))
    elif value >> 32 == 0 and value > 1:  # :: and ::1 are IPv6's own unspecified and loopback
        found.append((ipaddress.IPv4Address(value), "an IPv4-compatible address"))
    if address in _NAT64_WELL_KNOWN:
        found.append((ipaddress.IPv4Address(value & 0xFFFF_FFFF), "a NAT64 address"))
    if address in _NAT64_LOCAL_USE:
        # The operator picks the prefix length and the address does not say which: read it at
        # the shortest length whose must-be-zero bits are zero. The range is refused whatever
        # it names, so only the wording of the refusal depends on this choice.
        inner = next(filter(None, (_rfc6052_ipv4(value, n) for n in (48, 56, 64, 96))))
        found.append((inner, "a NAT64 address"))
    if address.sixtofour is not None:
        found.append((address.sixtofour, "a 6to4 address"))
    if address.teredo is not None:
        server, client = address.teredo
        found.append((server, "a Teredo address (its server)"))
        found.append((client, "a Teredo address"))
    if (value >> 32) & 0xFFFF_FFFF in _ISATAP_IDS:
        found.append((ipaddress.IPv4Address(value & 0xFFFF_FFFF), "an ISATAP address"))
    return tuple(found)


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _allowed_by(address: IPAddress, allow: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in allow)


def denial_reason(address: IPAddress, allow: tuple[IPNetwork, ...] = ()) -> str | None:
    """Why the address may not be reached, or None when it may."""
    if _allowed_by(address, allow):
        return None
    # A mapped address is the one form a socket connects to its IPv4 address directly (a local
    # name such as localhost can resolve that way), so the allow list sees through it.
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None and _allowed_by(mapped, allow):
        return None
    for inner, form in embedded_ipv4s(address):
        inner_reason = denial_reason(inner)
        if inner_reason is not None:
            return f"{inner_reason}: {inner} wrapped in {form}"
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
            f"{ip} is not a public address ({reason}). Only public sites can be checked.",
            address=str(ip),
            reason=reason,
        )
    return ip


# Ports, as inclusive (low, high) ranges. By default only the web's usual ports: the checker
# judges web sites, and letting strangers aim it at any port would make it a port scanner.
PortRanges = tuple[tuple[int, int], ...]
DEFAULT_PORTS: PortRanges = ((80, 80), (443, 443), (8000, 8000), (8080, 8080), (8443, 8443))
_PORT_ITEM = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


class PortRefused(AddressRefused):
    """Our own guard refused a port; handled wherever a refused address is."""


def parse_ports(text: str) -> PortRanges:
    """Ports and ranges such as ``80,443,1024-65535``; ValueError saying what is wrong."""
    ranges: list[tuple[int, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = _PORT_ITEM.fullmatch(item)
        if match is None:
            raise ValueError(
                f"{item!r} is not a port or a range of ports (write e.g. 443 or 1024-65535)"
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        for port in (low, high):
            if not 1 <= port <= 65535:
                raise ValueError(f"{port} in {item!r} is not a port: ports go from 1 to 65535")
        if low > high:
            raise ValueError(f"{item!r} is not a range: its first port is above its last")
        ranges.append((low, high))
    if not ranges:
        raise ValueError("no port is given (write e.g. 80,443)")
    return tuple(ranges)


def describe_ports(ranges: PortRanges) -> str:
    """``80, 443 and 1024-65535``: the allowed ports as a person would list them."""
    items = [str(low) if low == high else f"{low}-{high}" for low, high in ranges]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def port_refusal(port: int, allowed: PortRanges) -> str | None:
    """Why this port may not be reached, as a sentence, or None when it may."""
    if any(low <= port <= high for low, high in allowed):
        return None
    single = len(allowed) == 1 and allowed[0][0] == allowed[0][1]
    which = (
        f"port {describe_ports(allowed)} is" if single else f"ports {describe_ports(allowed)} are"
    )
    return f"Port {port} is not one we check: only {which} allowed."


def check_port(port: int, allowed: PortRanges) -> None:
    refusal = port_refusal(port, allowed)
    if refusal is not None:
        raise PortRefused(refusal)


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
            raise AddressRefused(
                f"{host} resolves to {exc.address}, which is not a public address "
                f"({exc.reason}). Only public sites can be checked.",
                address=exc.address,
                reason=exc.reason,
            ) from None
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise ResolutionFailed(f"The name {host} has no address.")
    return Resolved(host, tuple(addresses))
