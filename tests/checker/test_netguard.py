"""The address table, Smokescreen style: every row is an address and the expected verdict."""

import ipaddress

import pytest

from checker.netguard import check_address, denial_reason, parse_networks

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
