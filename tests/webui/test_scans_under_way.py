"""Caps on scans under way at once: per client (IPv4 address, IPv6 /64) and per target host."""

from datetime import UTC, datetime

import pytest
import time_machine

from webui.models import Scan, Site
from webui.scanning import create_or_join

pytestmark = pytest.mark.django_db

ALICE = "203.0.113.7"
BOB = "198.51.100.20"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


def post(client, target: str, address: str = ALICE, **fields):
    return client.post("/", {"target": target, **fields}, REMOTE_ADDR=address)


def test_a_client_with_three_scans_under_way_is_asked_to_wait(
    client, django_capture_on_commit_callbacks
):
    for number in range(3):
        assert post(client, f"site{number}.example").status_code == 303

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "one-more.example")

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert (
        "You already have 3 scans under way, the most one network may run at once. Nothing was "
        "queued; please try again in a minute, when one of them has ended."
    ) in html
    assert 'id="id_target_error"' in html
    assert 'value="one-more.example"' in html
    assert Scan.objects.count() == 3
    assert callbacks == []
    assert post(client, "one-more.example", address=BOB).status_code == 303


def test_the_client_may_start_again_once_one_of_its_scans_has_ended(client):
    for number in range(3):
        post(client, f"site{number}.example")
    assert post(client, "one-more.example").status_code == 429

    Scan.objects.filter(target_url="site0.example/").update(status=Scan.Status.DONE)

    assert post(client, "one-more.example").status_code == 303


def test_the_cap_counts_an_ipv6_client_by_its_64(client, settings):
    settings.SCAN_MAX_ACTIVE_PER_CLIENT = 1
    assert post(client, "first.example", address="2001:db8:1:2::1").status_code == 303

    assert post(client, "second.example", address="2001:db8:1:2::ffff").status_code == 429
    assert post(client, "second.example", address="2001:db8:1:3::1").status_code == 303


def test_joining_a_scan_already_under_way_is_not_a_new_scan(client):
    for number in range(3):
        post(client, f"site{number}.example")

    response = post(client, "site1.example")

    assert response.status_code == 303
    assert response["Location"] == Scan.objects.get(target_url="site1.example/").get_absolute_url()


def test_a_submission_that_loses_the_insert_joins_the_scan_with_its_own_profile():
    site = Site.objects.create(host="example.com")
    fields = {"site": site, "target_raw": "example.com", "target_url": "example.com/"}
    api, created = create_or_join(**fields, frontend_origin="", profile="api")
    page, page_created = create_or_join(**fields, frontend_origin="", profile="")

    joined, joined_created = create_or_join(**fields, frontend_origin="", profile="api")

    assert created and page_created and page != api  # another profile is a scan of its own
    assert (joined, joined_created) == (api, False)


def test_a_host_with_three_scans_under_way_is_not_probed_by_a_fourth(client):
    for number, address in enumerate(("203.0.113.1", "203.0.113.2", "203.0.113.3")):
        assert post(client, f"example.com/{number}", address=address).status_code == 303

    response = post(client, "https://example.com/other", address=BOB)

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert (
        "example.com already has 3 scans under way, the most we run against one site at once. "
        "Nothing was queued; please try again in a minute."
    ) in html
    assert Scan.objects.count() == 3
    assert post(client, "other.example", address=BOB).status_code == 303


def test_the_caps_follow_their_settings_and_the_wait_follows_the_time_limit(client, settings):
    settings.SCAN_MAX_ACTIVE_PER_HOST = 1
    settings.SCAN_SOFT_TIME_LIMIT = 150
    assert post(client, "example.com/a").status_code == 303

    response = post(client, "example.com/b", address=BOB)

    assert response.status_code == 429
    assert response["Retry-After"] == "150"
    html = response.content.decode()
    assert "example.com already has 1 scan under way" in html
    assert "try again in 3 minutes." in html


def test_a_refusal_for_scans_under_way_does_not_use_up_the_rate_allowance(client, settings):
    settings.SCAN_RATE_LIMIT = "4/m"
    for number in range(3):
        post(client, f"site{number}.example")
    for _ in range(3):
        assert post(client, "one-more.example").status_code == 429

    Scan.objects.filter(target_url="site0.example/").update(status=Scan.Status.DONE)

    assert post(client, "one-more.example").status_code == 303  # the fourth counted start
