"""A real Chromium against the live site and a real worker: type, watch progress, see the grade."""

import os

import pytest

from tests.chromium import CHROMIUM, QUIET_FLAGS, SCREENSHOTS
from tests.webui.conftest import GOOD_HEADERS

ARTIFACTS = SCREENSHOTS
FLAGS = QUIET_FLAGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
    # and assertions here are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.csp_errors = []
        page.on(
            "console",
            lambda message: (
                page.csp_errors.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
        browser.close()


def screenshot(page, name: str, width: int) -> None:
    """The whole page, and for phones also the first screenful as a person would see it."""
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    if width < 600:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-screen.png"))


def test_a_visitor_types_a_site_watches_progress_and_gets_the_grade(
    page, live_server, allow_loopback, celery_worker, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    page.goto(live_server.url + "/")
    screenshot(page, "home", 1280)
    screenshot(page, "home", 390)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Domain or URL").fill(target_server.url + "/api/users")
    page.get_by_role("button", name="Check this site").click()

    # No worker runs yet, so the scan must wait in the queue: the progress view is shown.
    page.wait_for_url(f"{live_server.url}/r/*/")
    progress = page.locator("#scan-state")
    assert "Waiting in the queue" in progress.inner_text()
    assert progress.get_attribute("aria-busy") == "true"
    screenshot(page, "progress", 1280)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.evaluate("window.stillTheSamePage = true")

    celery_worker()

    grade = page.locator(".grade")
    grade.wait_for(timeout=30_000)
    assert grade.inner_text() in ("A+", "A", "B", "C", "D", "F")
    assert page.get_by_role("heading", name="Findings").is_visible()
    assert page.get_by_role("heading", name="Response headers").is_visible()
    # htmx swapped the result into the page: no reload happened.
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.csp_errors == []
    screenshot(page, "report", 1280)
    screenshot(page, "report", 390)


def test_bad_input_is_explained_next_to_the_field(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_label("Domain or URL").fill("javascript:alert(1)")
    page.get_by_role("button", name="Check this site").click()

    field = page.get_by_label("Domain or URL")
    assert field.get_attribute("aria-invalid") == "true"
    assert "Only http and https" in page.locator("#id_target_error").inner_text()
    assert page.csp_errors == []
    screenshot(page, "invalid", 390)
