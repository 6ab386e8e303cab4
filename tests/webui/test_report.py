import pytest

from tests.webui.conftest import GOOD_HEADERS
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db


def queue(client, target: str, **extra) -> Scan:
    response = client.post("/", {"target": target, **extra})
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def test_a_pending_report_polls_and_works_without_javascript(client, allow_loopback):
    scan = queue(client, "http://127.0.0.1:9/")

    html = client.get(f"/r/{scan.token}/").content.decode()
    assert f'hx-get="/r/{scan.token}/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'href="/r/{scan.token}/"' in html  # a plain link for when polling cannot run
    assert 'aria-live="polite"' in html
    assert "Waiting in the queue" in html


def test_the_partial_keeps_polling_while_the_scan_is_pending(client, allow_loopback):
    scan = queue(client, "http://127.0.0.1:9/")

    response = client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="scan-state"')
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html


def test_a_scan_run_by_the_task_shows_its_grade_findings_and_headers(
    client, allow_loopback, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    scan = queue(client, target_server.url + "/app?x=1", frontend_origin="https://app.example")

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.grade and scan.score is not None
    assert scan.attempts == 1
    assert scan.started <= scan.finished
    assert scan.report["frontend_origin"] == "https://app.example"
    assert any(r.path == "/app?x=1" for r in target_server.requests)

    html = client.get(f"/r/{scan.token}/").content.decode()
    assert f'aria-label="Grade {scan.grade}">{scan.grade}</div>' in html
    assert f"<strong>{scan.score}</strong> out of 100" in html
    assert f'hx-get="/r/{scan.token}/"' not in html  # nothing left to poll
    assert '<th scope="row">X-Frame-Options</th><td>DENY</td>' in html
    assert f"{target_server.url}/app?x=1" in html
    for finding in scan.engine_report.findings:
        assert f'href="/glossary/{finding.glossary}/"' in html


def test_the_partial_stops_polling_with_286_once_the_scan_is_done(
    client, allow_loopback, target_server
):
    scan = queue(client, target_server.url)
    run_scan(scan.pk)

    response = client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    # Only "Check again" still asks for something: its button, once the cooldown is over.
    assert 'hx-trigger="every 1s"' not in response.content.decode()
    assert f'hx-get="/r/{scan.token}/"' not in response.content.decode()
    assert "out of 100" in response.content.decode()


def test_it_shows_the_redirect_chain(client, allow_loopback, target_server):
    def responder(request):
        if request.path == "/":
            return 301, [("Location", "/home")], b""
        return 200, GOOD_HEADERS, b"home"

    target_server.responder = responder
    scan = queue(client, target_server.url)
    run_scan(scan.pk)

    html = client.get(f"/r/{scan.token}/").content.decode()
    assert '<span class="chain__status chain__status--redirect">301</span>' in html
    assert f'<span class="chain__url">{target_server.url}/home</span>' in html


def test_an_unreachable_target_ends_with_a_human_message(client, allow_loopback, target_server):
    url = target_server.url
    target_server.stop()  # nothing listens on that port any more
    scan = queue(client, url)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.UNREACHABLE
    assert scan.error
    response = client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert "We could not check this site" in response.content.decode()
    assert scan.error in response.content.decode()


def test_a_redirect_the_guard_refuses_ends_unreachable_with_the_guards_reason(
    client, settings, target_server
):
    settings.CHECKER_ALLOW_NETWORKS = ("127.0.0.1/32",)  # 127.0.0.2 stays private
    settings.CHECKER_ALLOWED_PORTS = ((target_server.port, target_server.port),)
    target_server.responder = lambda request: (
        302,
        [("Location", f"http://127.0.0.2:{target_server.port}/")],
        b"",
    )
    scan = queue(client, target_server.url)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.UNREACHABLE
    assert "not a public address" in scan.error
    assert "not a public address" in client.get(f"/r/{scan.token}/").content.decode()


def test_an_unknown_token_is_not_found(client):
    assert client.get("/r/doesnotexist/").status_code == 404


def test_a_score_above_100_is_read_as_bonus_points_not_out_of_100():
    from django.template.loader import render_to_string

    from tests.webui.watching import ended_scan

    scan = ended_scan(score=108, grade="A+")
    html = render_to_string("webui/report.html#summary", {"scan": scan, "view": {}})

    assert "<strong>108</strong>: the full 100 and 8 bonus points" in html
    assert "out of 100" not in html
