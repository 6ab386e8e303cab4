"""The report's "In each browser" section: a real scan of a local API that reflects the
frontend's origin without allowing credentials, rendered through the test client."""

import html
import re

import pytest

from tests.webui.test_report import queue
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

FRONTEND = "http://127.0.0.1:5173"


def reflecting_api(request):
    headers = [("Content-Type", "application/json")]
    origin = request.header("Origin")
    if origin:
        headers.append(("Access-Control-Allow-Origin", origin))
    if request.method == "OPTIONS" and origin:
        headers += [
            ("Access-Control-Allow-Methods", "GET, PUT"),
            ("Access-Control-Allow-Headers", "*"),
            ("Access-Control-Max-Age", "86400"),
        ]
        return 204, headers, b""
    return 200, headers, b'{"users": []}'


def section(page: str) -> str:
    start = page.index('<section class="card browsers"')
    return page[start : page.index("</section>", start)]


def scanned(client, server, url: str, **extra):
    scan = queue(client, url, **extra)
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    asked = len(server.requests)
    page = client.get(f"/r/{scan.token}/").content.decode()
    assert len(server.requests) == asked  # judged from the recorded answers: nothing sent
    return scan, page


def test_it_shows_each_browsers_verdict_and_console_line_from_the_recorded_answers(
    client, allow_loopback, target_server
):
    target_server.responder = reflecting_api
    url = target_server.url + "/v1/users"
    _, page = scanned(client, target_server, url, frontend_origin=FRONTEND)
    text = html.unescape(section(page))
    assert "In each browser" in text
    assert f"From your frontend, <code>{FRONTEND}</code>" in text
    summary = re.findall(r'<li class="browsers__request">(.*?)</li>', text, flags=re.DOTALL)
    assert summary[0].startswith("<strong>GET with cookies</strong>: blocked in every browser.")
    assert summary[1].startswith("<strong>GET without credentials</strong>: allowed in every")
    assert "Firefox prints a warning although it allows the request" in summary[2]
    assert "(Chromium 2 h, Firefox 24 h, Safari (WebKit) 10 min)" in summary[2]
    # Chromium's own line for the credentialed GET, verbatim, in a code block.
    assert (
        f"<code class=\"console-line\">Access to fetch at '{url}' from origin '{FRONTEND}' has "
        "been blocked by CORS policy: The value of the 'Access-Control-Allow-Credentials' header "
        "in the response is '' which must be 'true' when the request's credentials mode is "
        "'include'.</code>"
    ) in text
    assert "Cross-Origin Request Warning: The Same Origin Policy will disallow reading" in text
    assert f"Fetch API cannot load {url} due to access control checks." in text
    assert "the answer to its GET from the same origin stands in for the PUT's own" in text
    assert "PUT" not in {request.method for request in target_server.requests}


def test_the_api_report_carries_each_browsers_verdict(client, allow_loopback, target_server):
    target_server.responder = reflecting_api
    scan, _ = scanned(client, target_server, target_server.url + "/v1/", frontend_origin=FRONTEND)
    report = client.get(f"/api/v1/scans/{scan.token}").json()["report"]
    browsers = report["browsers"]
    assert (browsers["origin"], browsers["origin_kind"]) == (FRONTEND, "frontend")
    credentialed = browsers["requests"][0]
    assert [row["outcome"] for row in credentialed["rows"]] == ["blocked"] * 3
    assert credentialed["rows"][0]["console"][0].startswith(
        f"Access to fetch at '{target_server.url}/v1/' from origin '{FRONTEND}'"
    )


def test_without_a_frontend_it_says_the_requests_are_same_origin(
    client, allow_loopback, target_server
):
    target_server.responder = reflecting_api
    _, page = scanned(client, target_server, target_server.url + "/")
    text = html.unescape(section(page))
    assert f"from the site's own origin, <code>{target_server.origin}</code>" in text
    assert "These requests are same-origin, so no browser applies CORS to them" in text
    assert text.count("allowed in every browser") == 3
