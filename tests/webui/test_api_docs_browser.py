"""The API's documents page in a real Chromium: Swagger UI runs under the site's strict CSP, loads
nothing from another host, and its "Try it out" reaches the API from the page."""

import pytest

from tests.webui.test_browser import page, screenshot  # noqa: F401  (the page fixture)
from webui.models import Scan, Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_documents_page_works_under_our_csp_and_loads_nothing_from_elsewhere(
    page,  # noqa: F811
    live_server,
):
    site = Site.objects.create(host="example.com")
    scan = Scan.objects.create(site=site, target_raw="x", target_url="https://example.com/")
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )

    page.goto(live_server.url + "/api/v1/docs")

    operations = page.locator(".opblock")
    operations.first.wait_for(timeout=15_000)
    assert operations.count() == 4
    assert page.get_by_text("CORS Check API").first.is_visible()
    screenshot(page, "api-docs", 1280)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Try it out: read the scan through the API, from the page.
    operation = page.locator(".opblock-get").filter(has_text="/api/v1/scans/{token}").first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='token']").fill(scan.token)
    operation.get_by_role("button", name="Execute").click()
    served = operation.locator(".live-responses-table")
    body = served.locator("pre").filter(has_text=scan.token).first
    body.wait_for(timeout=15_000)
    assert '"status": "pending"' in body.inner_text()
    screenshot(page, "api-docs-try-it-out", 1280)

    assert page.csp_errors == []
    assert elsewhere == []
