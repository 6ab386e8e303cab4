"""The simulator in a real Chromium with a real worker: htmx posts, polls, swaps in the verdict
and the refusals, under the site's own CSP."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.webui.test_browser import page, screenshot  # noqa: F401  (page: fixture)
from webui.models import Scan, Simulation
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APP = "https://app.example"


def api(request):
    headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", APP)]
    return 200, headers, b"{}"


def test_a_visitor_asks_watches_the_question_being_answered_and_is_refused_politely(
    page,  # noqa: F811
    live_server,
    client,
    allow_loopback,
    celery_worker,
    target_server,
    settings,
):
    target_server.responder = api
    response = client.post("/", {"target": target_server.url + "/items"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    settings.SIMULATE_RATE_LIMIT = "1/h"
    celery_worker()

    page.goto(f"{live_server.url}/r/{scan.token}/simulate/")
    page.get_by_label("Page origin").fill(APP)
    page.get_by_role("button", name="Check this request").click()

    # The test server is plain HTTP on loopback and the page's origin public: Chromium asks the
    # user first (Local Network Access), WebKit counts it as mixed content.
    verdict = page.get_by_role(
        "heading",
        name="It depends on the browser: allowed only with the user's permission in Chromium"
        " (Chrome, Edge, Opera); allowed in Firefox; blocked in Safari (WebKit)",
    )
    verdict.wait_for(timeout=30_000)
    simulation = Simulation.objects.get()
    assert simulation.status == Simulation.Status.DONE
    # htmx swapped the progress and then the verdict in, and gave the page its permalink.
    assert page.url == f"{live_server.url}{simulation.get_absolute_url()}"
    screenshot(page, "simulate", 390)
    screenshot(page, "simulate-desktop", 1280)

    page.get_by_role("button", name="Check this request").click()
    refusal = page.get_by_text("Too many simulations from your network")
    refusal.wait_for(timeout=10_000)
    assert Simulation.objects.count() == 1
    assert page.csp_errors == []
