""" "Why is my request blocked?" in a real Chromium: from the home page's navigation to the answer.

The visitor pastes a console message about a local target server, a real worker confirms it, and
htmx swaps the live verdict into the answer. Screenshots at 1280 and 390 px go to var/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.webui.test_browser import page, screenshot  # noqa: F401  (page: the Chromium fixture)

APP = "https://www.shop.example"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(tab, width: int) -> bool:
    """Nothing sticks out sideways: the page is readable without scrolling left and right."""
    tab.set_viewport_size({"width": width, "height": 844})
    return tab.evaluate("document.documentElement.scrollWidth") <= width


def test_a_visitor_pastes_a_message_and_gets_the_rule_the_fix_and_the_live_verdict(
    page,  # noqa: F811
    live_server,
    allow_loopback,
    celery_worker,
    target_server,
):
    target_server.responder = lambda request: (200, [("Content-Type", "application/json")], b"{}")
    url = target_server.url + "/v1/orders?page=2"
    message = (
        f"Access to fetch at '{url}' from origin '{APP}' has been blocked by CORS policy: No"
        " 'Access-Control-Allow-Origin' header is present on the requested resource. If an opaque"
        " response serves your needs, set the request's mode to 'no-cors' to fetch the resource"
        f" with CORS disabled.\nGET {url} net::ERR_FAILED 200 (OK)"
    )
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("blocked|explain|error message", re.I)).first.click()
    page.wait_for_url(f"{live_server.url}/explain/")
    assert page.get_by_role("heading", name="Why is my request blocked?").is_visible()
    assert fits(page, 390)
    screenshot(page, "explain-form", 1280)
    screenshot(page, "explain-form", 390)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("textarea").first.fill(message)
    page.locator("form button[type=submit]").last.click()

    # A token is 12 characters of the URL-safe alphabet, "-" and "_" included (TokenConverter).
    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/explain/[A-Za-z0-9_-]{{12}}/"))
    answer = page.locator(".explain-answer")
    assert "No 'Access-Control-Allow-Origin' header is present" in answer.inner_text()
    glossary = page.get_by_role("link", name=re.compile("Read the glossary entry"))
    assert glossary.get_attribute("href") == "/glossary/error-no-allow-origin-header/"
    fix = page.locator(".explain-fix__snippet").inner_text()
    assert fix == f"Access-Control-Allow-Origin: {APP}\nVary: Origin"
    assert target_server.requests == []  # the web process asked nothing: the worker will
    page.evaluate("window.stillTheSamePage = true")

    celery_worker()

    page.locator(".explain-agreement").wait_for(timeout=30_000)
    assert "The live check agrees with your message" in page.locator(".explain-live").inner_text()
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped it in, no reload
    assert [request.method for request in target_server.requests] == ["GET"]
    assert page.csp_errors == []
    assert fits(page, 390)
    screenshot(page, "explain-answer", 1280)
    screenshot(page, "explain-answer", 390)
