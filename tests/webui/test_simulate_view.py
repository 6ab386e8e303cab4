"""The "Will my request work?" page against a real local target server."""

from __future__ import annotations

import pytest

from webui.models import Scan
from webui.tasks import run_scan

APP = "https://app.example"

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan(client, allow_loopback, target_server) -> Scan:
    target_server.responder = lambda request: (200, [("Content-Type", "text/html")], b"<p>hi")
    response = client.post("/", {"target": target_server.url + "/api"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    target_server.requests.clear()
    return scan


def cors_answers(allow_origin: str | None, allow_methods: str = "GET"):
    def respond(request):
        headers = [("Content-Type", "application/json"), ("X-Total", "3")]
        if allow_origin:
            headers.append(("Access-Control-Allow-Origin", allow_origin))
        if request.method == "OPTIONS":
            headers.append(("Access-Control-Allow-Methods", allow_methods))
            headers.append(("Access-Control-Allow-Headers", "x-api-key"))
            return 204, headers, b""
        return 200, headers, b"{}"

    return respond


def test_the_form_renders_and_works_without_javascript(client, scan):
    html = client.get(f"/r/{scan.token}/simulate/").content.decode()
    assert 'method="post"' in html and f'action="/r/{scan.token}/simulate/"' in html
    assert f'hx-post="/r/{scan.token}/simulate/"' in html
    assert "csrfmiddlewaretoken" in html


def test_it_says_a_request_without_allow_origin_is_blocked(client, scan, target_server):
    target_server.responder = cors_answers(None)
    response = client.post(f"/r/{scan.token}/simulate/", {"origin": APP, "method": "GET"})
    html = response.content.decode()
    assert "No: the browser blocks this request" in html
    assert "No &#x27;Access-Control-Allow-Origin&#x27; header is present" in html
    [sent] = target_server.requests
    assert (sent.method, sent.header("Origin")) == ("GET", APP)


def test_it_sends_a_real_preflight_but_never_the_state_changing_method(client, scan, target_server):
    target_server.responder = cors_answers(APP, "PUT")
    response = client.post(
        f"/r/{scan.token}/simulate/",
        {"origin": APP, "method": "PUT", "headers": "X-Api-Key: secret"},
    )
    html = response.content.decode()
    assert "Yes: the browser lets your script read the response" in html
    assert "We did not send PUT to your site" in html
    assert [r.method for r in target_server.requests] == ["OPTIONS", "GET"]
    preflight = target_server.requests[0]
    assert preflight.header("Access-Control-Request-Method") == "PUT"
    assert preflight.header("Access-Control-Request-Headers") == "x-api-key"
    assert all(r.header("X-Api-Key") is None for r in target_server.requests)


def test_the_htmx_request_gets_only_the_verdict(client, scan, target_server):
    target_server.responder = cors_answers("*")
    response = client.post(
        f"/r/{scan.token}/simulate/",
        {"origin": APP, "method": "GET", "credentials": "on"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="simulate-result"')
    assert "<html" not in html
    assert "allow-origin-wildcard-credentials" in html


def test_it_rejects_an_origin_with_a_path_and_sends_nothing(client, scan, target_server):
    response = client.post(
        f"/r/{scan.token}/simulate/", {"origin": "https://app.example/page", "method": "GET"}
    )
    assert "Enter an origin such as" in response.content.decode()
    assert target_server.requests == []
