"""The F report in a real Chromium with every <details> open: how tall it is at 1280 px, that it
fits a 390 px phone, that host names are never cut, and that the other frameworks' fixes are one
click away. Screenshots go to var/screenshots/ (report-findings-*.png)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.chromium import SCREENSHOTS
from tests.webui.test_browser import page  # noqa: F401  (page: fixture)
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The limit for the F report with everything open, at 1280 px.
MAX_HEIGHT = 12_000
OPEN_ALL = "document.querySelectorAll('details').forEach(d => d.open = true)"


def reflects_any_origin_with_credentials(request):
    """The acceptance check's site: any Origin echoed with credentials, no security headers."""
    headers = [("Content-Type", "text/html"), ("Server", "BaseHTTP/0.6 Python/3.11.7")]
    origin = request.header("Origin")
    if origin:
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
        if request.method == "OPTIONS":
            headers += [
                ("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE"),
                (
                    "Access-Control-Allow-Headers",
                    request.header("Access-Control-Request-Headers") or "",
                ),
            ]
    return 200, headers, b"ok"


@pytest.fixture
def f_report(client, allow_loopback, target_server, live_server):
    target_server.responder = reflects_any_origin_with_credentials
    response = client.post("/", {"target": target_server.url + "/reflect-creds"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    assert scan.grade == "F"
    return f"{live_server.url}/r/{scan.token}/"


def test_the_f_report_with_every_finding_open_stays_under_12000_px_at_1280(
    page,  # noqa: F811
    f_report,
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f_report)
    page.evaluate(OPEN_ALL)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"F report with every <details> open at 1280 px: {height} px")
    assert height < MAX_HEIGHT
    # Origins in the evidence tables stay on one line on a wide screen: never cut in the middle.
    broken = page.evaluate(
        "[...document.querySelectorAll('.cors-table code')]"
        ".filter(c => new Set([...c.getClientRects()].map(r => Math.round(r.top))).size > 1)"
        ".map(c => c.textContent)"
    )
    assert broken == []
    # The full probe matrix once, at the end; each finding's own table is short.
    assert page.locator("#matrix-title").count() == 1
    for table in page.locator(".finding .cors-table").all():
        assert table.locator("tbody tr").count() <= 2
    page.screenshot(path=str(SCREENSHOTS / "report-findings-1280.png"), full_page=True)
    page.locator("#finding-cors-1").screenshot(
        path=str(SCREENSHOTS / "report-finding-cors-1280.png")
    )
    assert page.csp_errors == []


def test_at_390_px_nothing_is_wider_than_the_phone(page, f_report):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f_report)
    page.evaluate(OPEN_ALL)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Every snippet wraps inside its box instead of running off the screen.
    wide = page.evaluate(
        "[...document.querySelectorAll('.fix__code')]"
        ".filter(p => p.offsetParent && p.scrollWidth > p.clientWidth + 1).length"
    )
    assert wide == 0
    page.locator("#finding-cors-1").screenshot(
        path=str(SCREENSHOTS / "report-finding-cors-390.png")
    )
    page.screenshot(path=str(SCREENSHOTS / "report-findings-390.png"), full_page=True)


def test_another_frameworks_fix_is_one_click_away_and_works_with_the_keyboard(
    page,  # noqa: F811
    f_report,
):
    page.goto(f_report)
    finding = page.locator("#finding-cors-1")
    finding.locator("summary").first.click()
    # Nothing recognised this server, so the first snippet says so; the others wait behind one
    # more click, one at a time.
    assert "could not tell which server answers" in finding.inner_text()
    finding.locator(".fix__others > summary").click()
    panels = finding.locator(".fix__panel")
    assert all(not panel.is_visible() for panel in panels.all())
    finding.get_by_text("Django", exact=True).click()
    visible = [panel for panel in panels.all() if panel.is_visible()]
    assert len(visible) == 1
    assert "CORS_ALLOWED_ORIGINS" in visible[0].inner_text()
    assert "example.com" not in visible[0].inner_text()
    # Arrow keys move along the radio group, as in any form.
    page.keyboard.press("ArrowRight")
    visible = [panel for panel in panels.all() if panel.is_visible()]
    assert len(visible) == 1 and "Rack::Cors" in visible[0].inner_text()
