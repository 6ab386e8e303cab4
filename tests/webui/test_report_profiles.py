"""The report page says how an answer was graded: a real local JSON API graded as an API, a real
error page said to be one, and the profile the visitor chose kept with the scan."""

import pytest

from tests.webui.test_report import queue
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

API_HEADERS = [
    ("Content-Type", "application/json"),
    ("Access-Control-Allow-Origin", "*"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Strict-Transport-Security", "max-age=31536000"),
]


def scanned(client, url: str, **fields) -> tuple[Scan, str]:
    scan = queue(client, url, **fields)
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    return scan, client.get(f"/r/{scan.token}/").content.decode()


def test_a_json_api_is_graded_as_one_and_the_page_checks_are_set_apart(
    client, allow_loopback, tls_target_server
):
    tls_target_server.responder = lambda request: (200, API_HEADERS, b"[]")
    scan, html = scanned(client, tls_target_server.url + "/v1/")

    assert scan.grade in ("A+", "A")
    assert scan.report["profile"] == "api"
    assert "Graded as an API answer." in html
    assert "Grade A" in html and "as an API answer:" in html
    apart = html[html.index('id="not-applicable-title"') :]
    assert "Not applicable to an API answer" in apart
    assert "<code>csp.missing</code>" in apart
    assert "did you mean to scan another URL?" not in html


def test_an_error_page_is_said_to_be_one_at_the_top(client, allow_loopback, target_server):
    target_server.responder = lambda request: (500, [("Content-Type", "text/html")], b"<h1>oops")
    scan, html = scanned(client, target_server.url + "/")

    warning = "This address answered 500: did you mean to scan another URL?"
    assert warning in html
    assert html.index(warning) < html.index('id="summary-title"')
    assert f"Grade {scan.grade} for an error page (500):" in html
    assert scan.report["response_kind"] == "error"


def test_the_chosen_profile_is_kept_with_the_scan_and_used(
    client, allow_loopback, tls_target_server
):
    tls_target_server.responder = lambda request: (200, API_HEADERS, b"[]")
    scan, html = scanned(client, tls_target_server.url + "/v1/", profile="page")

    assert scan.profile == "page"
    assert scan.report["profile"] == "page"
    assert "Graded as a page." in html and "asked for" in html
    assert 'id="not-applicable-title"' not in html


def test_the_form_offers_automatic_page_and_api(client):
    html = client.get("/").content.decode()
    assert '<select name="profile"' in html
    for value in ('value=""', 'value="page"', 'value="api"'):
        assert value in html
    assert client.post("/", {"target": "example.com", "profile": "xml"}).status_code == 200
