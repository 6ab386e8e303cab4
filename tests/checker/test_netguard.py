"""The address table, Smokescreen style: every row is an address and the expected verdict."""

import asyncio
import ipaddress
import re

import pytest

from checker.netguard import (
    DENIED_RANGES,
    AddressRefused,
    check_address,
    denial_reason,
    embedded_ipv4s,
    parse_networks,
    resolve,
)

DENIED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT: neither private nor global to Python 3.11
    "100.100.100.200",  # a cloud metadata address inside CGNAT
    "0.0.0.0",
    "224.0.0.1",  # multicast: is_global is True on 3.11
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback: is_loopback is False on 3.11
    "::ffff:10.0.0.1",
    "::ffff:8.8.8.8",  # mapped addresses are never connected to directly
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::808:808",  # NAT64 of a public address: still a translation range
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:db8::1",
]

ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2001:4860::8888"]


@pytest.mark.parametrize("address", DENIED)
def test_it_denies_non_public_addresses(address: str) -> None:
    assert denial_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_it_allows_public_addresses(address: str) -> None:
    assert denial_reason(ipaddress.ip_address(address)) is None


# Every IPv6 form that carries an IPv4 address: the verdict (None: allowed) is the exact reason
# shown to users. Whole ranges are refused for the forms nobody serves a site from, public IPv4
# inside or not (see DENIED_RANGES); the embedded address, when it is denied itself, is named.
# ISATAP alone is judged by what it carries, as its interface id can sit under any prefix.
EMBEDDED = [
    # IPv4-mapped, ::ffff:0:0/96
    ("::ffff:127.0.0.1", "loopback: 127.0.0.1 wrapped in an IPv4-mapped address"),
    ("::ffff:8.8.8.8", "IPv4-mapped"),
    # IPv4-translated, ::ffff:0:0:0/96 (SIIT): let through by is_global on Python 3.11
    ("::ffff:0:7f00:1", "loopback: 127.0.0.1 wrapped in an IPv4-translated address"),
    ("::ffff:0:a9fe:a9fe", "link-local: 169.254.169.254 wrapped in an IPv4-translated address"),
    ("::ffff:0:808:808", "IPv4-translated"),
    # IPv4-compatible, ::/96
    ("::127.0.0.1", "loopback: 127.0.0.1 wrapped in an IPv4-compatible address"),
    ("::8.8.8.8", "IPv4-compatible"),
    ("::1", "loopback"),  # IPv6's own loopback, not 0.0.0.1 wrapped
    ("::", "unspecified"),
    # NAT64 well-known prefix, 64:ff9b::/96
    ("64:ff9b::7f00:1", "loopback: 127.0.0.1 wrapped in a NAT64 address"),
    ("64:ff9b::a9fe:a9fe", "link-local: 169.254.169.254 wrapped in a NAT64 address"),
    ("64:ff9b::808:808", "NAT64"),
    # NAT64 local-use prefix, 64:ff9b:1::/48, at each prefix length RFC 6052 gives from /48 up
    ("64:ff9b:1:7f00:0:100::", "loopback: 127.0.0.1 wrapped in a NAT64 address"),  # /48
    ("64:ff9b:1:a:1:203::", "private: 10.1.2.3 wrapped in a NAT64 address"),  # /56
    ("64:ff9b:1:0:7f:0:100:0", "loopback: 127.0.0.1 wrapped in a NAT64 address"),  # /64
    ("64:ff9b:1::a01:203", "private: 10.1.2.3 wrapped in a NAT64 address"),  # /96
    ("64:ff9b:1:808:8:800::", "NAT64, local use"),  # 8.8.8.8 at /48
    ("64:ff9b:1::808:808", "NAT64, local use"),  # 8.8.8.8 at /96
    # 6to4, 2002::/16
    ("2002:7f00:1::", "loopback: 127.0.0.1 wrapped in a 6to4 address"),
    ("2002:a9fe:a9fe::1", "link-local: 169.254.169.254 wrapped in a 6to4 address"),
    ("2002:808:808::1", "6to4"),
    # Teredo, 2001::/32: the server's address, and the client's stored inverted
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback: 127.0.0.1 wrapped in a Teredo address"),
    ("2001:0:a00:1::", "private: 10.0.0.1 wrapped in a Teredo address (its server)"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo"),
    # ISATAP interface ids in any /64, u bit clear and set
    ("2606:4700:1:2:0:5efe:a00:1", "private: 10.0.0.1 wrapped in an ISATAP address"),
    ("2606:4700:1:2:200:5efe:7f00:1", "loopback: 127.0.0.1 wrapped in an ISATAP address"),
    (
        "2606:4700:1:2:200:5efe:a9fe:a9fe",
        "link-local: 169.254.169.254 wrapped in an ISATAP address",
    ),
    ("2606:4700:1:2:200:5efe:808:808", None),  # a public IPv4 under a public prefix
    ("2606:4700:1:2:0:5efe:808:808", None),
    ("::5efe:808:808", "reserved"),  # public IPv4, but the prefix is nowhere
    ("fe80::5efe:808:808", "link-local"),
    # Not embeddings, but ranges Python 3.11 calls global
    ("3fff::1", "documentation"),
    ("5f00::1", "SRv6 segment routing"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(("address", "verdict"), EMBEDDED)
def test_every_ipv6_form_of_an_ipv4_address_is_judged(address: str, verdict: str | None) -> None:
    assert denial_reason(ipaddress.ip_address(address)) == verdict


def test_the_refusal_names_the_embedded_address() -> None:
    with pytest.raises(Exception) as caught:
        check_address("::ffff:0:7f00:1")
    assert str(caught.value) == (
        "::ffff:0:7f00:1 is not a public address (loopback: 127.0.0.1 wrapped in an "
        "IPv4-translated address). Only public sites can be checked."
    )


def test_teredo_gives_both_its_server_and_its_client() -> None:
    embedded = embedded_ipv4s(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:80ff:fffe"))
    assert [str(address) for address, _ in embedded] == ["65.54.227.120", "127.0.0.1"]


def test_the_allow_list_sees_through_a_mapped_address_only() -> None:
    allow = parse_networks(["127.0.0.0/8"])
    assert denial_reason(ipaddress.ip_address("::ffff:127.0.0.1"), allow) is None
    for wrapped in ("::ffff:0:7f00:1", "64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1"):
        assert denial_reason(ipaddress.ip_address(wrapped), allow) is not None, wrapped


def test_an_allow_list_opens_only_what_it_names() -> None:
    allow = parse_networks(["127.0.0.2/32"])
    assert denial_reason(ipaddress.ip_address("127.0.0.2"), allow) is None
    assert denial_reason(ipaddress.ip_address("::ffff:127.0.0.2"), allow) is None
    assert denial_reason(ipaddress.ip_address("127.0.0.1"), allow) == "loopback"
    assert denial_reason(ipaddress.ip_address("10.0.0.1"), allow) == "private"


def test_the_refusal_message_names_the_address_and_the_reason() -> None:
    with pytest.raises(Exception) as caught:
        check_address("169.254.169.254")
    assert "169.254.169.254 is not a public address (link-local)" in str(caught.value)


def test_no_reason_nests_brackets_in_the_refusal() -> None:
    for cidr, label in DENIED_RANGES:
        assert "(" not in label, (cidr, label)


def test_a_name_that_resolves_to_a_denied_address_is_refused_in_one_sentence() -> None:
    with pytest.raises(AddressRefused) as caught:
        asyncio.run(resolve("localhost", 80, ()))

    assert re.fullmatch(
        r"localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)\. "
        r"Only public sites can be checked\.",
        caught.value.message,
    ), caught.value.message
