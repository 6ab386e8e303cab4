"""Limits on starting scans: a rate per address, and reuse of a scan the target just had.

The counters live in the project's real cache: Redis when REDIS_URL is set, this process's memory
otherwise. Each test gets its own counters (see the autouse fixture in conftest.py).
"""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from webui.limits import too_many_message
from webui.models import Scan, Site
from webui.settings import envrate

pytestmark = pytest.mark.django_db

IPV4 = "203.0.113.7"


@pytest.fixture(autouse=True)
def frozen_clock():
    # The counters are per fixed time window; a window ending mid-test would reset them.
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def post(client: Client, target: str, address: str = IPV4, **fields):
    return client.post("/", {"target": target, **fields}, REMOTE_ADDR=address)


def graded_scan(url: str, frontend_origin: str = "", **fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    values = {"status": Scan.Status.DONE, "grade": "B", "finished": timezone.now(), **fields}
    return Scan.objects.create(
        site=site, target_raw=url, target_url=url, frontend_origin=frontend_origin, **values
    )


# --- The rate per address ---------------------------------------------------------------------


def test_an_address_may_start_the_allowed_number_of_scans_and_no_more(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SCAN_RATE_LIMIT = "3/m"
    settings.SCAN_MAX_ACTIVE_PER_CLIENT = 10  # the rate speaks here, not the cap on scans under way
    for number in range(3):
        assert post(client, f"site{number}.example").status_code == 303

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "one-too-many.example")

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many scans from your network: the limit is 3 scans per minute." in html
    assert 'id="id_target_error"' in html
    assert 'value="one-too-many.example"' in html  # the form comes back as it was filled in
    assert Scan.objects.count() == 3
    assert not Scan.objects.filter(target_url="one-too-many.example/").exists()
    assert callbacks == []


def test_the_allowance_comes_back_once_the_period_has_passed(client, settings, frozen_clock):
    settings.SCAN_RATE_LIMIT = "1/m"
    assert post(client, "first.example").status_code == 303
    assert post(client, "second.example").status_code == 429

    frozen_clock.shift(timedelta(seconds=61))

    assert post(client, "second.example").status_code == 303


def test_another_address_keeps_its_own_allowance(client, settings):
    settings.SCAN_RATE_LIMIT = "1/m"
    assert post(client, "first.example").status_code == 303
    assert post(client, "second.example").status_code == 429

    assert post(client, "second.example", address="198.51.100.20").status_code == 303


def test_ipv6_addresses_in_one_64_block_share_an_allowance(client, settings):
    settings.SCAN_RATE_LIMIT = "1/m"
    assert post(client, "first.example", address="2001:db8:1:2::1").status_code == 303

    assert post(client, "second.example", address="2001:db8:1:2:ffff::9").status_code == 429
    assert post(client, "second.example", address="2001:db8:1:3::1").status_code == 303


def test_refused_input_does_not_use_up_the_allowance(client, settings):
    settings.SCAN_RATE_LIMIT = "2/m"
    for _ in range(5):
        assert post(client, "javascript:alert(1)").status_code == 200

    assert post(client, "first.example").status_code == 303
    assert post(client, "second.example").status_code == 303


# --- Reusing a fresh scan of the same target --------------------------------------------------


def test_a_target_graded_moments_ago_is_shown_again_instead_of_probed_again(
    client, django_capture_on_commit_callbacks
):
    earlier = graded_scan("example.com/", finished=timezone.now() - timedelta(seconds=59))

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "EXAMPLE.com")

    assert response.status_code == 303
    assert response["Location"] == earlier.get_absolute_url()
    assert Scan.objects.count() == 1
    assert callbacks == []


def test_a_scan_still_under_way_is_shown_instead_of_starting_a_second(client):
    pending = graded_scan("https://example.com/", status=Scan.Status.PENDING, finished=None)

    response = post(client, "https://example.com")

    assert response["Location"] == pending.get_absolute_url()
    assert Scan.objects.count() == 1


def test_a_scan_older_than_the_reuse_window_is_not_reused(client):
    old = graded_scan("example.com/", finished=timezone.now() - timedelta(seconds=61))

    response = post(client, "example.com")

    new = Scan.objects.exclude(pk=old.pk).get()
    assert response["Location"] == new.get_absolute_url()


def test_a_different_frontend_origin_or_path_gets_its_own_scan(client):
    graded_scan("example.com/", frontend_origin="https://app.example.com")

    post(client, "example.com", frontend_origin="https://other.example.com")
    post(client, "example.com/api")

    assert Scan.objects.count() == 3


def test_a_scan_graded_by_another_profile_is_not_reused(client):
    earlier = graded_scan("example.com/", profile="api")  # the spec of a scheme-less target

    post(client, "example.com")
    assert Scan.objects.count() == 2
    response = post(client, "example.com", profile="api")
    assert response["Location"] == earlier.get_absolute_url()
    assert Scan.objects.count() == 2


@pytest.mark.parametrize("status", [Scan.Status.FAILED, Scan.Status.UNREACHABLE])
def test_a_scan_that_ended_without_a_grade_is_not_reused(client, status):
    graded_scan("example.com/", status=status, grade="")

    post(client, "example.com")

    assert Scan.objects.count() == 2


def test_a_reuse_window_of_zero_always_starts_a_new_scan(client, settings):
    settings.SCAN_REUSE_SECONDS = 0
    graded_scan("example.com/")

    post(client, "example.com")

    assert Scan.objects.count() == 2


def test_a_reused_scan_does_not_count_against_the_rate(client, settings):
    settings.SCAN_RATE_LIMIT = "1/m"
    first = post(client, "example.com")

    again = post(client, "example.com")
    other = post(client, "other.example")

    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert other.status_code == 429


# --- Settings and wording ---------------------------------------------------------------------


def test_the_rate_setting_refuses_what_is_not_a_count_per_period(monkeypatch):
    monkeypatch.setenv("RATE", "5/10m")
    assert envrate("RATE", "10/m") == "5/10m"
    monkeypatch.delenv("RATE")
    assert envrate("RATE", "10/m") == "10/m"
    for typo in ("10", "ten/m", "10/min", "0/m", "10/0m"):
        monkeypatch.setenv("RATE", typo)
        with pytest.raises(ImproperlyConfigured, match="count per period"):
            envrate("RATE", "10/m")


@pytest.mark.parametrize(
    "rate, limit, wait",
    [
        ("10/m", "10 scans per minute", "a minute"),
        ("1/h", "1 scan per hour", "an hour"),
        ("5/10m", "5 scans per 10 minutes", "10 minutes"),
    ],
)
def test_the_refusal_names_the_limit_and_the_wait_in_words(rate, limit, wait):
    message = too_many_message(rate)
    assert f"the limit is {limit}." in message
    assert f"try again in {wait}." in message


def cache_backend(**env: str) -> str:
    """The cache backend the settings choose for this environment, and the silenced checks."""
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.CACHES['default']['BACKEND'], sorted(s.SILENCED_SYSTEM_CHECKS))"
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "webui.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_counters_are_shared_through_redis_and_only_development_may_keep_them_in_memory():
    with_redis = cache_backend(REDIS_URL="redis://127.0.0.1:6379/15")
    without = cache_backend()

    assert with_redis == "django.core.cache.backends.redis.RedisCache ['django_ratelimit.W001']"
    assert without.startswith("django.core.cache.backends.locmem.LocMemCache")
    assert "django_ratelimit.E003" in without


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_another_web_process_sees_the_same_counter(client, settings):
    settings.SCAN_RATE_LIMIT = "1/m"
    assert post(client, "first.example").status_code == 303

    # A second process (another gunicorn worker) asks the shared cache about the same address.
    code = f"""
import django, time
django.setup()
from django.conf import settings
from django.test import RequestFactory
from webui.limits import over_scan_rate
settings.SCAN_RATE_LIMIT = "1/m"
settings.RATELIMIT_CACHE_PREFIX = {settings.RATELIMIT_CACHE_PREFIX!r}
time.time = lambda: {time.time():.0f}
print(over_scan_rate(RequestFactory().post("/", REMOTE_ADDR={IPV4!r})))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "webui.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
