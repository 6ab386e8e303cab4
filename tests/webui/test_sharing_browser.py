"""In a real Chromium: a report's share card as a link preview reads it, the badge shown by an
<img> on another site (as a README on GitHub shows it), and the extra-headers form.
Screenshots go to /tmp/auth-shots/."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.utils import timezone

from tests.targets import TargetServer
from tests.webui.conftest import GOOD_HEADERS, wait_until_ended
from tests.webui.test_browser import page  # noqa: F401  (a fixture)
from tests.webui.test_report_page import careless_site
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/auth-shots")
META = """() => Object.fromEntries(
  [...document.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')]
    .map(m => [m.getAttribute("property") || m.getAttribute("name"), m.content]))"""
LOADED = "ids => ids.every(id => document.getElementById(id).complete)"


def shot(browser_page, name: str, width: int = 1280) -> None:
    SHOTS.mkdir(exist_ok=True)
    browser_page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    browser_page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def finished_scan(client, target_server) -> Scan:
    response = client.post("/", {"target": target_server.url + "/"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    return scan


def grade_row(scan: Scan, grade: str) -> Scan:
    """Another public, graded scan of a target of its own, for a badge of each colour."""
    url = f"{scan.target_url}grade-{grade.replace('+', 'plus')}"
    return Scan.objects.create(
        site=scan.site,
        target_raw=url,
        target_url=url,
        status=Scan.Status.DONE,
        grade=grade,
        score=50,
        finished=timezone.now(),
    )


def test_the_share_card_reads_well_and_the_badge_shows_on_another_site(
    page,  # noqa: F811
    live_server,
    client,
    allow_loopback,
    target_server,
):
    target_server.responder = careless_site
    scan = finished_scan(client, target_server)

    page.goto(f"{live_server.url}/r/{scan.token}/")
    card = page.evaluate(META)
    assert card["og:title"] == f"Grade F for {scan.target_url}"
    assert card["og:description"].startswith("Worst findings: ")
    assert "(critical)" in card["og:description"]
    assert card["og:url"].endswith(f"/r/{scan.token}/")
    assert card["og:type"] == "website"
    assert card["twitter:card"] == "summary"

    # The report's own offer: a preview of the badge and the snippets to copy.
    offer = page.locator(".badge-offer")
    offer.locator("summary").click()
    preview = offer.locator("img")
    preview.wait_for()
    page.wait_for_function("el => el.complete", arg=preview.element_handle())
    assert preview.evaluate("img => img.naturalWidth") > 0
    assert "![CORS Check grade of 127.0.0.1]" in offer.locator("#badge-markdown").input_value()
    assert page.csp_errors == []
    SHOTS.mkdir(exist_ok=True)
    offer.screenshot(path=str(SHOTS / "badge-offer.png"))
    shot(page, "report-with-badge-offer")
    shot(page, "report-with-badge-offer", 390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Another site (another origin, as a README on GitHub is) shows our badges with <img>. Its
    # control image comes from a third origin with the policy our other responses carry,
    # Cross-Origin-Resource-Policy: same-origin; the browser must refuse that one.
    tokens = {"b-F": scan.target.token}
    for grade in ("A+", "A", "B", "C", "D"):
        tokens[f"b-{grade}"] = grade_row(scan, grade).target.token
    pending = Scan.objects.create(
        site=scan.site, target_raw="x", target_url=f"{scan.target_url}pending", queued=None
    )
    tokens["b-none"] = pending.target.token
    images = "".join(
        f'<p><img id="{id}" src="{live_server.url}/badge/{token}.svg" alt="{id}"></p>'
        for id, token in tokens.items()
    )
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40"/></svg>'

    def readme(request):
        if request.path == "/control.svg":
            headers = [
                ("Content-Type", "image/svg+xml"),
                ("Cross-Origin-Resource-Policy", "same-origin"),
            ]
            return 200, headers, svg
        control_image = f'<p><img id="control" src="{control.url}/control.svg"></p>'
        html = f"<!doctype html><h1>README</h1>{images}{control_image}"
        return 200, [("Content-Type", "text/html; charset=utf-8")], html.encode()

    with TargetServer(responder=readme) as control, TargetServer(responder=readme) as site:
        page.goto(site.url + "/")
        ids = [*tokens, "control"]
        page.wait_for_function(LOADED, arg=ids)
        widths = page.evaluate(
            "ids => ids.map(id => document.getElementById(id).naturalWidth)", ids
        )
    shown = dict(zip(ids, widths, strict=True))
    assert shown.pop("control") == 0
    assert all(width > 0 for width in shown.values()), shown
    assert shown["b-none"] > shown["b-A+"]  # "not checked" is wider than a grade
    page.set_viewport_size({"width": 400, "height": 500})
    page.evaluate("document.body.style.zoom = 2")
    page.screenshot(path=str(SHOTS / "badges-on-another-site.png"), full_page=True)


@pytest.mark.redis
@pytest.mark.postgres
def test_a_visitor_scans_an_api_behind_a_token_and_the_report_names_the_header(
    page,  # noqa: F811
    live_server,
    allow_loopback,
    celery_worker,
    target_server,
    worker_services,
):
    def api(request):
        if request.header("Authorization") != "Bearer browser-test-token":
            return 401, [("Content-Type", "application/json")], b'{"error": "login"}'
        return 200, [*GOOD_HEADERS[1:], ("Content-Type", "application/json")], b"{}"

    target_server.responder = api
    celery_worker()
    page.goto(live_server.url + "/")
    page.get_by_text("More options").click()
    field = page.get_by_label("Extra request headers (optional)")
    field.fill("Authorization Bearer browser-test-token")  # no colon: refused
    page.get_by_label("Domain or URL").fill(target_server.url + "/v1/me")
    page.get_by_role("button", name="Check this site").click()

    errors = page.locator("#id_request_headers_error")
    assert "Line 1: A header has no colon" in errors.inner_text()
    assert page.get_by_label("Extra request headers (optional)").input_value() == ""
    assert "browser-test-token" not in page.content()
    assert page.csp_errors == []
    shot(page, "home-header-error")
    shot(page, "home-header-error", 390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Extra request headers (optional)").fill(
        "Authorization: Bearer browser-test-token"
    )
    page.get_by_role("button", name="Check this site").click()
    page.wait_for_url(f"{live_server.url}/r/*/")
    scan = wait_until_ended(Scan.objects.get(token=page.url.split("/")[-2]))
    assert scan.status == Scan.Status.DONE, scan.error
    page.locator(".grade").wait_for(timeout=30_000)
    assert page.locator(".report-head__auth").inner_text() == (
        "Authenticated scan: sent Authorization (values not kept)."
    )
    assert "browser-test-token" not in page.content()
    assert page.locator(".badge-offer").count() == 0  # private: no badge
    card = page.evaluate(META)
    assert card["og:title"] == "A private CORS Check report"
    assert page.csp_errors == []
    shot(page, "report-authenticated")
    shot(page, "report-authenticated", 390)
