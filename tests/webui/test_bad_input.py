"""Bad input is a message, never a 500: over-long targets, junk in paths, unknown pages.

These run on whatever database DATABASE_URL names; on PostgreSQL (as in CI) an over-long value
or a NUL byte that reached a query would raise instead of being quietly stored or not found.
"""

import pytest
from django.http import HttpResponseNotFound
from django.test import Client
from django.urls import path

from webui.models import Scan, Site
from webui.urls import urlpatterns as site_urlpatterns

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Valid labels, 735 characters in all: far over DNS's 253 and the Site.host column.
LONG_HOST = ".".join(["a" * 63] * 11 + ["b" * 27, "com"])


def boom(request):
    raise RuntimeError("a fault in our own code")


def bare_not_found(request):
    return HttpResponseNotFound("Not Found")


# This module is also a URLconf (see @pytest.mark.urls below): the site's own patterns plus a
# view that crashes and one that answers a bare 404.
urlpatterns = [path("boom/", boom), path("bare-404/", bare_not_found), *site_urlpatterns]


def post(client, target, **fields):
    return client.post("/", {"target": target, **fields})


def assert_refused_inline(response, message: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'id="id_target_error"' in html or 'id="id_frontend_origin_error"' in html
    assert not Scan.objects.exists()
    assert not Site.objects.exists()


def test_a_735_character_host_is_a_form_error_and_stores_nothing(client):
    assert len(LONG_HOST) == 735
    response = post(client, LONG_HOST)
    assert_refused_inline(
        response, "That host name has 735 characters; DNS names are at most 253 characters long."
    )


def test_a_unicode_path_too_long_once_percent_encoded_is_a_form_error_not_a_500(client):
    typed = "https://example.com/" + "ü" * 1000  # 1 020 characters typed, 6 020 encoded
    assert len(typed) < 2048

    response = post(client, typed)

    assert_refused_inline(response, "and the limit is 2048.")
    # The limit is the column's: a URL of exactly 2 048 characters is stored whole.
    longest = "https://example.com/" + "x" * (2048 - len("https://example.com/"))
    assert post(client, longest).status_code == 303
    assert Scan.objects.get().target_url == longest


def test_a_frontend_origin_with_an_over_long_host_is_a_form_error(client):
    response = post(client, "example.com", frontend_origin=f"https://{LONG_HOST[:280]}")
    assert_refused_inline(response, "DNS names are at most 253 characters long.")


def test_a_frontend_origin_over_300_characters_is_a_form_error(client):
    response = post(client, "example.com", frontend_origin="https://" + "a" * 300 + ".example")
    assert_refused_inline(response, "An origin is at most 300 characters long.")


# --- Pages that do not exist ------------------------------------------------------------------

NUL_PATHS = [
    "/r/%00/",
    "/r/abcdefghijk%00/",
    "/r/abcdefghijk%00/simulate/",
    "/r/%00/simulate/",
    "/s/%00/",
    "/s/example%00.com/",
]
JUNK_PATHS = [
    "/nowhere/",
    "/r/short/",
    "/r/" + "a" * 3000 + "/",
    "/r/abcdefghijkl/",  # the right shape, but no such scan
    "/s/" + "a" * 300 + "/",
    "/s/never-checked.example/",
    "/glossary/no-such-entry/",
]


def assert_our_not_found_page(response, debug: bool = False) -> None:
    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found · CORS Check</title>" in html
    assert 'class="site-header"' in html  # the site's own layout
    assert '<a href="/">Check a site</a>' in html
    assert '<a href="/glossary/">Browse the glossary</a>' in html
    assert "URLconf" not in html and "Django" not in html  # not the technical page
    # It carries the site's headers (django-csp leaves 404s out of its policy under DEBUG, so
    # that Django's technical page keeps its inline styles).
    assert response.has_header("Content-Security-Policy") is not debug
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("url", NUL_PATHS + JUNK_PATHS)
def test_a_page_that_does_not_exist_is_our_404_in_the_layout(client, settings, debug, url):
    settings.DEBUG = debug
    Site.objects.create(host="example.com")
    assert_our_not_found_page(client.get(url), debug)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_nul_byte_after_a_real_token_is_not_found(client, settings, debug):
    settings.DEBUG = debug
    site = Site.objects.create(host="example.com")
    scan = Scan.objects.create(site=site, target_raw="x", target_url="example.com/")

    assert client.get(f"/r/{scan.token}/").status_code == 200
    assert_our_not_found_page(client.get(f"/r/{scan.token}%00/"), debug)
    assert_our_not_found_page(client.get(f"/r/{scan.token}/simulate%00/"), debug)


@pytest.mark.urls("tests.webui.test_bad_input")
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_bare_404_from_a_view_becomes_our_page(client, settings, debug):
    settings.DEBUG = debug
    assert_our_not_found_page(client.get("/bare-404/"), debug)


@pytest.mark.urls("tests.webui.test_bad_input")
def test_a_fault_on_our_side_is_a_500_page_in_the_layout(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "<title>Something went wrong · CORS Check</title>" in html
    assert 'class="site-header"' in html
    assert '<a href="/">Check a site</a>' in html
    assert "RuntimeError" not in html
