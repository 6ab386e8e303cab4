"""The history and comparison pages in a real Chromium at desktop and phone width: no CSP error,
nothing wider than the screen, the chart drawing that fits shown.

Screenshots go to /tmp/compare-shots/."""

from pathlib import Path

import pytest

from checker import Severity, Status
from checker.findings import finding
from tests.webui.test_browser import page  # noqa: F401  (fixture)
from tests.webui.test_site_history import URL, cookie, engine_report, make_scan
from webui.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/compare-shots")
WIDTHS = (1280, 390)


def a_month_of_scans():
    site = Site.objects.create(host="shop.example")
    long_subject = finding(
        "sri.missing",
        facts=(
            ("count", "1"),
            ("script", "https://cdn.example/" + "very-long-path/" * 8 + "app.js"),
        ),
    )
    quiet = finding("cors.private-network-allowed", severity=Severity.INFO)
    loud = finding("cors.private-network-allowed", severity=Severity.MEDIUM)
    history = [
        (
            0,
            engine_report(
                cookie("session", "theme"), finding("hsts.missing"), quiet, grade="D", score=55
            ),
        ),
        (3, engine_report(cookie("session"), quiet, grade="C", score=68)),
        (7, engine_report(status=Status.UNREACHABLE)),
        (12, engine_report(cookie("session"), loud, grade="C", score=66)),
        (19, engine_report(cookie("cart"), long_subject, loud, grade="B", score=82)),
        (30, engine_report(long_subject, finding("referrer.missing"), quiet, grade="A", score=93)),
    ]
    api = URL + "api/v1/orders?status=open&include=customer,items"
    make_scan(site, 5, engine_report(status=Status.UNREACHABLE), url=api)
    make_scan(
        site, 6, engine_report(grade="F", score=20), url=api, frontend_origin="https://app.example"
    )
    return [make_scan(site, day, report) for day, report in history]


def shoot(page, name: str) -> None:  # noqa: F811
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} is {overflow}px wide at {width}px"
        shown = "narrow" if width < 600 else "wide"
        assert page.locator(f".gradechart__svg--{shown}").count() in (0, 1)
        if page.locator(".gradechart").count():
            assert page.locator(f".gradechart__svg--{shown}").is_visible()
            hidden = "wide" if shown == "narrow" else "narrow"
            assert not page.locator(f".gradechart__svg--{hidden}").is_visible()


def test_the_history_and_a_comparison_at_desktop_and_phone_width(page, live_server):  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    scans = a_month_of_scans()
    target = scans[0].target

    page.goto(f"{live_server.url}/t/{target.token}/")
    assert page.get_by_role("heading", name="Grade over time").is_visible()
    # The bands and dots take their colours from the stylesheet, not from inline style.
    fill = page.locator(".gradechart__svg--wide .grade-fill--a").evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    shoot(page, "history")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Compare with the scan before 2 Dec 2026, 10:00").first.click()
    page.wait_for_url(f"{live_server.url}/r/{scans[-2].token}/vs/{scans[-1].token}/")
    assert page.get_by_role("heading", name="New (1)").is_visible()
    assert page.get_by_role("heading", name="Better (1)").is_visible()
    unchanged = page.locator("details.changes__more")
    assert unchanged.evaluate("el => el.open") is False
    unchanged.locator("summary").click()
    shoot(page, "compare")

    page.goto(f"{live_server.url}/r/{scans[1].token}/vs/{scans[2].token}/")
    assert page.get_by_text("The newer scan could not reach the site.").is_visible()
    shoot(page, "compare-unreachable")

    page.goto(f"{live_server.url}/s/shop.example/")
    shoot(page, "site")
    assert page.csp_errors == []
