"""An ended report's page, stored once and served from the cache (webui/report_pages.py)."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client

from tests.webui.test_report import queue
from tests.webui.test_report_page import careless_site
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(client, allow_loopback, target_server) -> Scan:
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/")
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE
    return scan


def test_the_second_visit_is_served_without_asking_the_database(report, django_assert_num_queries):
    first = Client().get(report.get_absolute_url())
    with django_assert_num_queries(0):
        second = Client().get(report.get_absolute_url())

    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', second["ETag"])
    assert second["Last-Modified"] == first["Last-Modified"]
    assert second["Cache-Control"] == "no-cache"


def test_a_stored_page_keeps_every_security_header_of_a_rendered_one(report):
    rendered = Client().get(report.get_absolute_url())
    stored = Client().get(report.get_absolute_url())

    for name in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Type",
    ):
        assert stored.get(name) == rendered.get(name), name
        assert stored.get(name), name
    # Nothing of one visitor is in it: no nonce, no CSRF token, no cookie.
    assert "nonce" not in stored["Content-Security-Policy"]
    assert b"nonce=" not in stored.content
    assert b"csrfmiddlewaretoken" not in stored.content
    assert not stored.cookies and not rendered.cookies


def test_a_conditional_get_that_matches_gets_304_without_a_body(report):
    etag = Client().get(report.get_absolute_url())["ETag"]

    by_etag = Client().get(report.get_absolute_url(), headers={"If-None-Match": etag})
    other = Client().get(report.get_absolute_url(), headers={"If-None-Match": '"not-it"'})

    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == etag
    assert other.status_code == 200


def test_if_modified_since_the_end_of_the_scan_gets_304(report):
    modified = Client().get(report.get_absolute_url())["Last-Modified"]

    again = Client().get(report.get_absolute_url(), headers={"If-Modified-Since": modified})

    assert again.status_code == 304


def test_a_browser_that_asks_for_gzip_gets_the_page_compressed_once(report):
    plain = Client().get(report.get_absolute_url())
    packed = Client().get(report.get_absolute_url(), headers={"Accept-Encoding": "gzip, br"})
    again = Client().get(report.get_absolute_url(), headers={"Accept-Encoding": "gzip"})

    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    assert again.content == packed.content  # the stored bytes, not a new compression
    assert "Content-Encoding" not in plain


def test_a_private_report_is_kept_by_the_visitors_browser_only(
    client, allow_loopback, target_server
):
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/", private="on")
    run_scan(scan.pk)

    for _ in range(2):
        response = Client().get(scan.get_absolute_url())
        assert response["Cache-Control"] == "no-cache, private"


def test_a_scan_under_way_is_never_stored(client, allow_loopback, target_server):
    scan = queue(client, target_server.url + "/")  # queued, not run

    page = Client().get(scan.get_absolute_url())
    assert "ETag" not in page
    run_scan(scan.pk)
    done = Client().get(scan.get_absolute_url())

    assert "out of 100" in done.content.decode()
    assert "ETag" in done


def test_a_waiting_flash_message_is_shown_by_a_full_render(report, rf):
    Client().get(report.get_absolute_url())  # stored
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(messages.INFO, "A check of this target was already under way.")
    response = Client().get("/")  # any response to carry the cookie
    storage.update(response)
    browser = Client()
    browser.cookies[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value

    page = browser.get(report.get_absolute_url())

    assert "A check of this target was already under way." in page.content.decode()


def test_htmx_polling_is_never_answered_from_the_store(report):
    Client().get(report.get_absolute_url())

    polled = Client().get(report.get_absolute_url(), headers={"HX-Request": "true"})

    assert polled.status_code == 286
    assert "<!doctype html>" not in polled.content.decode()


def test_the_forms_are_on_the_stored_page_and_the_live_boxes_come_from_watch(report):
    html = Client().get(report.get_absolute_url()).content.decode()
    slot = re.search(r'<div id="check-again-slot"[^>]*hx-get="([^"]+)"', html)
    assert slot, "no live Check again slot on the report"
    assert f'action="/r/{report.token}/rescan/"' in html  # works without JavaScript
    assert f'action="/r/{report.token}/subscribe/"' in html

    boxes = Client().get(slot.group(1), headers={"HX-Request": "true"}).content.decode()

    assert "<!doctype html>" not in boxes
    assert 'id="check-again"' in boxes and 'id="subscribe"' not in boxes
    assert " ago</time>" in boxes  # the live box tells the time since the check


def test_a_post_from_another_sites_page_is_refused_and_one_from_ours_goes_through(report):
    browser = Client(enforce_csrf_checks=True)  # no token on these forms: their origin decides
    rescan = f"/r/{report.token}/rescan/"

    forged = browser.post(rescan, headers={"Sec-Fetch-Site": "cross-site"})
    forged_origin = browser.post(rescan, headers={"Origin": "https://evil.example"})
    forged_referer = browser.post(rescan, headers={"Referer": "https://evil.example/x"})
    ours = browser.post(rescan, headers={"Sec-Fetch-Site": "same-origin"})
    typed = browser.post(rescan, headers={"Origin": "http://testserver"})

    assert forged.status_code == forged_origin.status_code == forged_referer.status_code == 403
    assert "from a page of this site" in forged.content.decode()
    assert ours.status_code == 303 and typed.status_code == 303


def test_an_unknown_report_is_still_404(client):
    assert client.get("/r/AAAAAAAAAAAA/").status_code == 404


def test_a_deleted_report_is_no_longer_served(report):
    assert Client().get(report.get_absolute_url()).status_code == 200
    report.delete()

    assert Client().get(report.get_absolute_url()).status_code == 404
