"""In a real Chromium: subscribe on a finished report, confirm through the link of the mail the
real SMTP server received, look at the subscriptions, and leave through the mail's unsubscribe
link. Screenshots go to /tmp/subscribe-shots/."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.smtp import body
from tests.webui.test_browser import page  # noqa: F401  (page: fixture)
from tests.webui.test_report_page import careless_site
from tests.webui.watching import LINK
from webui.models import Scan, Subscription
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/subscribe-shots")
ADDRESS = "watcher@example.com"


def shoot(page, name: str, selector: str | None = None) -> None:  # noqa: F811
    """At desktop and phone width; nothing may be wider than a phone's screen."""
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
        target = page.locator(selector) if selector else page
        if selector:
            target.scroll_into_view_if_needed()
            target.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
        else:
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.set_viewport_size({"width": 1280, "height": 900})


def link_to(message, prefix: str) -> str:
    return next(url for url in LINK.findall(body(message, "plain")) if prefix in url)


def test_a_visitor_subscribes_confirms_from_the_mail_and_unsubscribes_from_it(
    page,  # noqa: F811
    live_server,
    client,
    settings,
    allow_loopback,
    target_server,
    inbox,
):
    settings.SITE_URL = live_server.url  # the mail's links lead to this server
    target_server.responder = careless_site
    response = client.post("/", {"target": target_server.url + "/"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()

    page.goto(f"{live_server.url}/r/{scan.token}/")
    box = page.locator("#subscribe")
    assert box.get_by_role("heading", name="Watch this site by email").is_visible()
    assert box.get_by_label("Only when something changes").is_checked()
    assert box.get_by_label("Every day").is_checked()
    shoot(page, "report-box", "#subscribe")
    page.locator(".summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "report-top-1280.png"))  # the box among its neighbours

    box.get_by_label("Your email address").fill("not an address")
    box.get_by_role("button", name="Watch this site").click()
    page.wait_for_load_state()
    assert "That is not an email address we can send to." in page.locator("#subscribe").inner_text()
    shoot(page, "bad-address")
    assert inbox.messages == []

    box = page.locator("#subscribe")
    box.get_by_label("Your email address").fill(ADDRESS)
    box.get_by_label("Every week").check()
    box.get_by_role("button", name="Watch this site").click()
    page.wait_for_url(f"{live_server.url}/r/{scan.token}/")
    assert "Check your inbox" in page.locator(".messages").inner_text()
    assert ADDRESS not in page.content()
    assert page.get_by_text("Check your inbox").count() == 1  # said once, at the top
    shoot(page, "report-sent", ".messages")

    [confirmation] = inbox.wait_for(1)
    # Roughly as a mail client shows it: on a blank page, which our CSP does not cover (a mail's
    # styles are inline, as mail clients want them).
    page.goto("about:blank")
    page.set_content(body(confirmation, "html"))
    assert page.get_by_role("link", name="Confirm the re-checks").is_visible()
    shoot(page, "mail-confirm")
    page.goto(link_to(confirmation, "/confirm/"))
    assert page.get_by_role("heading", name="Confirm your re-checks").is_visible()
    shoot(page, "confirm")
    assert not Subscription.objects.get().is_confirmed  # opening the link did nothing yet
    page.get_by_role("button", name="Yes, start the re-checks").click()
    assert page.get_by_role("heading", name="You are subscribed").is_visible()
    assert "You will get a mail only when something changes" in page.content()
    shoot(page, "confirmed")
    subscription = Subscription.objects.get()
    assert subscription.is_confirmed and subscription.frequency == "weekly"

    page.get_by_role("link", name="Manage your subscriptions").click()
    page.get_by_label("Your email address").fill(ADDRESS)
    page.get_by_role("button", name="Mail me the link").click()
    assert "we have sent it a link" in page.locator(".messages").inner_text()
    shoot(page, "manage-request")
    page.goto(link_to(inbox.wait_for(2)[1], "/subscriptions/"))
    assert page.get_by_role("heading", name=f"Subscriptions of {ADDRESS}").is_visible()
    shoot(page, "manage")

    page.goto(link_to(confirmation, "/unsubscribe/"))
    assert page.get_by_role("heading", name="Stop the re-checks of this site?").is_visible()
    shoot(page, "unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    shoot(page, "unsubscribed")
    assert not Subscription.objects.exists()
    assert len(inbox.messages) == 2
    assert page.csp_errors == []
