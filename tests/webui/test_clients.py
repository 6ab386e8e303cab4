"""Who the client is: X-Forwarded-For believed only from TRUSTED_PROXIES, and a key per network."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory

from webui.clients import client_ip, client_key
from webui.models import Scan

PROXIES = ("10.0.0.0/8", "2001:db8:ffff::/48")


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_proxies(settings):
    settings.TRUSTED_PROXIES = PROXIES
    return settings


def test_without_trusted_proxies_the_client_is_the_connecting_address(settings):
    settings.TRUSTED_PROXIES = ()
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_trusted_proxy_is_believed_about_the_client_it_forwards(behind_proxies):
    assert client_ip(request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
    assert client_ip(request("2001:db8:ffff::5", "2001:db8:1:2::9")) == "2001:db8:1:2::9"


def test_a_forwarded_header_from_an_untrusted_address_is_ignored(behind_proxies):
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_ip(request("203.0.113.7", "10.1.2.3")) == "203.0.113.7"


def test_the_chain_is_read_from_the_right_up_to_the_first_untrusted_address(behind_proxies):
    # The client wrote "1.1.1.1" itself; the first proxy appended the address it saw (the real
    # client), the second proxy appended the first, and the second connected to us.
    forwarded = "1.1.1.1, 198.51.100.1, 10.0.0.2"
    assert client_ip(request("10.0.0.3", forwarded)) == "198.51.100.1"


def test_a_chain_of_only_trusted_proxies_gives_the_farthest_one(behind_proxies):
    assert client_ip(request("10.0.0.3", "10.0.0.1, 10.0.0.2")) == "10.0.0.1"


def test_repeated_forwarded_headers_read_as_one_list(behind_proxies):
    # WSGI servers join repeated headers with commas before Django sees them.
    assert client_ip(request("10.0.0.3", "6.6.6.6,198.51.100.1")) == "198.51.100.1"


@pytest.mark.parametrize(
    "forwarded, client",
    [
        ("", "10.0.0.3"),  # sent empty: the proxy itself is all we know
        ("not-an-address", "10.0.0.3"),
        ("198.51.100.1, garbage", "10.0.0.3"),  # nothing left of the garbage is believed
        ("garbage, 198.51.100.1", "198.51.100.1"),  # the client wrote junk; its proxy did not
        ("198.51.100.1:5678", "198.51.100.1"),  # a proxy that adds the port
        ("[2001:db8:1:2::9]:443", "2001:db8:1:2::9"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("1.2.3.4\x00", "10.0.0.3"),
    ],
)
def test_malformed_forwarded_entries_are_never_believed(behind_proxies, forwarded, client):
    assert client_ip(request("10.0.0.3", forwarded)) == client


def test_the_key_is_32_hex_characters_and_not_the_address(settings):
    settings.TRUSTED_PROXIES = ()
    key = client_key(request("203.0.113.7"))
    assert re.fullmatch("[0-9a-f]{32}", key)
    assert key != client_key(request("203.0.113.8"))
    assert "203" not in key


def test_ipv6_addresses_in_one_64_share_a_key_and_other_blocks_do_not(settings):
    settings.TRUSTED_PROXIES = ()
    key = client_key(request("2001:db8:1:2::1"))
    assert client_key(request("2001:db8:1:2:ffff:ffff:ffff:ffff")) == key
    assert client_key(request("2001:db8:1:3::1")) != key


def test_the_key_depends_on_the_secret(settings):
    settings.TRUSTED_PROXIES = ()
    key = client_key(request("203.0.113.7"))
    settings.SECRET_KEY = "another-secret-for-this-test-only"
    assert client_key(request("203.0.113.7")) != key


def test_the_key_is_the_forwarded_clients_behind_a_trusted_proxy(behind_proxies, settings):
    forwarded = client_key(request("10.0.0.3", "198.51.100.1"))
    settings.TRUSTED_PROXIES = ()
    assert forwarded == client_key(request("198.51.100.1"))


def settings_in_a_new_process(**env: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.TRUSTED_PROXIES, s.SCAN_MAX_ACTIVE_PER_CLIENT, s.SCAN_MAX_ACTIVE_PER_HOST)"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TRUSTED_PROXIES", "SCAN_MAX_ACTIVE_PER_CLIENT", "SCAN_MAX_ACTIVE_PER_HOST")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "webui.settings", **env},
        capture_output=True,
        text=True,
    )


def test_by_default_no_proxy_is_trusted_and_three_scans_may_run_per_client_and_host():
    result = settings_in_a_new_process()
    assert result.stdout.strip() == "() 3 3", result.stderr


def test_start_up_refuses_a_trusted_proxy_that_is_not_an_address_block():
    result = settings_in_a_new_process(TRUSTED_PROXIES="10.0.0.0/8, proxy.internal")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES holds 'proxy.internal'" in result.stderr
    ok = settings_in_a_new_process(TRUSTED_PROXIES="10.0.0.0/8, 2001:db8::/32")
    assert ok.stdout.startswith("('10.0.0.0/8', '2001:db8::/32')"), ok.stderr


# --- Through the form: the rate limit and the stored key --------------------------------------


@pytest.mark.django_db
class TestBehindAProxy:
    @pytest.fixture(autouse=True)
    def frozen_clock(self):
        with time_machine.travel(datetime.now(UTC), tick=False):
            yield

    def post(self, client, target, forwarded, remote="10.0.0.3"):
        return client.post(
            "/", {"target": target}, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
        )

    def test_each_client_behind_the_proxy_has_its_own_allowance(self, client, behind_proxies):
        behind_proxies.SCAN_RATE_LIMIT = "1/m"
        assert self.post(client, "first.example", "198.51.100.1").status_code == 303
        assert self.post(client, "second.example", "198.51.100.1").status_code == 429

        assert self.post(client, "second.example", "198.51.100.2").status_code == 303

    def test_a_spoofed_header_from_outside_does_not_buy_a_new_allowance(
        self, client, behind_proxies
    ):
        behind_proxies.SCAN_RATE_LIMIT = "1/m"
        outside = "203.0.113.7"
        assert self.post(client, "first.example", "198.51.100.1", remote=outside).status_code == 303

        refused = self.post(client, "second.example", "198.51.100.2", remote=outside)

        assert refused.status_code == 429

    def test_the_scan_stores_the_clients_key_never_its_address(self, client, behind_proxies):
        self.post(client, "example.com", "198.51.100.1")

        scan = Scan.objects.get()
        behind_proxies.TRUSTED_PROXIES = ()
        assert scan.client == client_key(request("198.51.100.1"))
        assert "198.51.100.1" not in scan.client
