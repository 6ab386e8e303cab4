""" "Check again" in a real Chromium with a real worker: the button waits out the cooldown and
wakes up without a reload, and a click lands on the new report, which links to the comparison.
Screenshots go to /tmp/rescan-shots/."""

import re
from pathlib import Path

import pytest

from tests.webui.conftest import GOOD_HEADERS, submit, wait_until_ended
from tests.webui.test_browser import page  # noqa: F401  (a fixture)
from webui.models import Scan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path("/tmp/rescan-shots")

# "Check again in 42 s", "in 9 min 59 s" or "in 10 min": a button still waiting.
WAITING = re.compile(r"^Check again in (\d+ min )?\d+ s$|^Check again in \d+ min$")


def shoot(page, name: str, width: int) -> None:  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    page.locator("#check-again").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


def test_check_again_waits_for_the_cooldown_then_lands_on_the_new_report(
    page,  # noqa: F811
    live_server,
    client,
    settings,
    allow_loopback,
    worker_services,
    celery_worker,
    target_server,
):
    from playwright.sync_api import expect

    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    # Long enough that the first look always finds the button waiting; the test then ends the
    # cooldown itself (the live server reads the setting on every request).
    settings.RESCAN_COOLDOWN = 600
    celery_worker()
    first = wait_until_ended(submit(client, target_server.url + "/"))
    assert first.status == Scan.Status.DONE, first.error

    page.goto(f"{live_server.url}/r/{first.token}/")
    waiting = page.get_by_role("button", name=WAITING)
    expect(waiting).to_be_disabled()
    expect(page.locator(".rescan__checked time")).to_have_attribute(
        "datetime", first.finished.isoformat()
    )
    shoot(page, "waiting", 1280)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.evaluate("window.stillTheSamePage = true")
    settings.RESCAN_COOLDOWN = 0

    ready = page.get_by_role("button", name="Check again", exact=True)
    expect(ready).to_be_enabled(timeout=15_000)
    assert page.evaluate("window.stillTheSamePage") is True  # htmx woke it: no reload
    expect(page.get_by_role("status").filter(has_text="You can check")).to_have_text(
        "You can check this target again now."
    )
    shoot(page, "ready", 1280)
    shoot(page, "ready", 390)
    page.set_viewport_size({"width": 1280, "height": 900})

    ready.click()

    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/r/(?!{first.token})[^/]+/$"))
    second = Scan.objects.get(token=page.url.rstrip("/").rsplit("/", 1)[1])
    assert second.target == first.target
    page.locator(".grade").wait_for(timeout=30_000)
    comparison = page.get_by_role("link", name=re.compile("^Compared with the check of"))
    expect(comparison).to_have_attribute("href", f"/r/{first.token}/vs/{second.token}/")
    settings.RESCAN_COOLDOWN = 600
    page.reload()
    expect(page.get_by_role("button", name=WAITING)).to_be_disabled()
    assert page.csp_errors == []
    shoot(page, "new-report", 1280)
    shoot(page, "new-report", 390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
