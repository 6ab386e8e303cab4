"""The finished report in a real Chromium: no CSP violation, details open without JavaScript,
screenshots at desktop and phone width (artifacts/report-full-*.png)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.webui.test_browser import ARTIFACTS, page, screenshot  # noqa: F401  (page: fixture)
from tests.webui.test_report_page import careless_site
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_full_report_renders_without_csp_errors_at_desktop_and_phone_width(
    page,  # noqa: F811
    live_server,
    client,
    allow_loopback,
    target_server,
):
    target_server.responder = careless_site
    response = client.post("/", {"target": target_server.url + "/"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()
    scan.refresh_from_db()
    assert scan.status == "done", scan.error

    page.goto(f"{live_server.url}/r/{scan.token}/")
    assert page.locator(".grade").first.inner_text() == "F"
    assert page.get_by_role("heading", name="How the score was computed").is_visible()
    # The chart is an SVG drawn on the server; its colours come from the stylesheet.
    fill = page.locator(".sev-fill--critical").evaluate("el => getComputedStyle(el).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")

    first = page.locator("details.finding").first
    assert first.evaluate("el => el.open") is False
    first.locator("summary.finding__summary").click()
    assert first.evaluate("el => el.open") is True
    assert first.locator(".cors-row--bad").first.is_visible()
    page.locator("#finding-https-1 summary.finding__summary").click()

    assert page.csp_errors == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "report-full", 1280)
    screenshot(page, "report-full", 390)
    # Close-ups at phone width: a full page that tall is too small to judge by eye.
    for name, selector in (
        ("summary", ".summary"),
        ("cors", "#area-cors"),
        ("score", "#score-title"),
    ):
        section = page.locator(selector).locator("xpath=ancestor-or-self::section[1]")
        section.screenshot(path=str(ARTIFACTS / f"report-{name}-390.png"))
    # On a phone nothing may be wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    page.goto(f"{live_server.url}/scoring/")
    assert page.get_by_role("heading", name="How a report is graded").is_visible()
    assert page.csp_errors == []
    screenshot(page, "scoring", 390)
    assert ARTIFACTS.exists()
