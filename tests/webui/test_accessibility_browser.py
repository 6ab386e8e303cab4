"""Every page in a real Chromium at desktop (1280 px) and phone (390 px) width: axe-core finds no
serious or critical violation, nothing is wider than the screen, and a screenshot of each is
written to var/screenshots/<page>-<width>.png to be looked at. Then the report with the keyboard
alone: skip link, a finding opened with Enter and Space, its fix snippet, "Check again", a visible
focus ring everywhere and no trap.

axe-core comes from the npm registry, installed from tests/browser_node/package-lock.json
(`npm ci --prefix tests/browser_node`). The pages' CSP forbids injected scripts, so these
contexts bypass it; the other browser tests keep checking the CSP itself.
"""

from __future__ import annotations

import os
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.chromium import SCREENSHOTS
from tests.webui.conftest import ROOT
from tests.webui.test_browser import CHROMIUM, FLAGS
from tests.webui.test_history_browser import a_month_of_scans
from tests.webui.test_report_page import careless_site
from webui import links
from webui.models import Scan, Subscription
from webui.tasks import run_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "tests" / "browser_node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = SCREENSHOTS
WIDTHS = (1280, 390)
BAD = ("serious", "critical")
DARK = ("report", "report-unreachable", "compare", "history", "scoring", "explain-answer")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    if not AXE.exists():
        pytest.skip("axe-core is not installed: npm ci --prefix tests/browser_node")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def scanned(client, url: str, responder=None, target_server=None) -> Scan:
    if responder is not None:
        target_server.responder = responder
    response = client.post("/", {"target": url})
    assert response.status_code == 303, response.content.decode()
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    # Playwright's event loop runs in this thread and the engine starts its own: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_scan, scan.pk).result()
    scan.refresh_from_db()
    return scan


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_every_details(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def report_ready(page) -> None:
    """The boxes htmx fetches into a report ("Check again", email) are in, every finding open."""
    page.locator("#check-again-slot").wait_for(state="detached")
    open_every_details(page)


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """bad => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
             .filter(v => bad.includes(v.impact))
             .map(v => v.id + ' (' + v.impact + ') on ' + v.nodes.length + ': '
                  + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))""",
        list(BAD),
    )
    return found


def cut_tables(page) -> list[str]:
    """Tables wider than their box: a reader would have to scroll sideways to read them."""
    return page.evaluate(
        """Array.from(document.querySelectorAll('table'))
             .filter(t => t.getBoundingClientRect().width > 0)
             .filter(t => t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
             .map(t => t.className + ' ' + t.parentElement.scrollWidth + '>'
                  + t.parentElement.clientWidth)"""
    )


def overlapping_chart_labels(page) -> list[str]:
    """Pairs of texts in the shown grade chart whose boxes intersect."""
    return page.evaluate(
        """(() => {
          const svg = Array.from(document.querySelectorAll('.gradechart__svg'))
            .find(s => s.getBoundingClientRect().width > 0);
          if (!svg) return [];
          const boxes = Array.from(svg.querySelectorAll('text'))
            .map(t => [t.textContent, t.getBoundingClientRect()]);
          const found = [];
          boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
            if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
              found.push(a + ' / ' + b);
          }));
          return found;
        })()"""
    )


def explain_a_message(page) -> None:
    """The error explainer's answer to a pasted Chromium console line (no URL: nothing queued)."""
    page.locator("textarea").first.fill(
        "has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present"
        " on the requested resource."
    )
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    open_every_details(page)


def open_every_operation(page) -> None:
    """Swagger UI with every endpoint and the first schemas opened, as a reader would."""
    page.locator(".opblock-summary-control").first.wait_for()
    for control in page.locator(".opblock-summary-control").all():
        control.click()
    for accordion in page.locator(".json-schema-2020-12-accordion").all()[:10]:
        accordion.click()
    page.locator(".opblock-body").first.wait_for()


@pytest.fixture
def every_page(client, allow_loopback, target_server, private_queue):
    """(name, path, prepare) for every page of the site, with the scans they need."""
    failing = scanned(client, target_server.url + "/", careless_site, target_server)
    assert failing.status == "done" and failing.grade == "F", failing.error
    unreachable = scanned(client, f"http://127.0.0.1:{closed_port()}/")
    assert unreachable.status == "unreachable", unreachable.status
    # No worker listens on the private queue: this one stays in the queue.
    running = Scan.objects.get(
        token=client.post("/", {"target": target_server.url + "/waiting"})["Location"].split("/")[2]
    )
    month = a_month_of_scans()
    older, newer = month[-2], month[-1]
    subscription = Subscription.objects.create(
        target=failing.target, email="watcher@example.com", client="x"
    )
    signed_manage = links.manage_url(subscription.email).split("/subscriptions/")[1]
    confirm = links.confirm_url(subscription).split("/", 3)[3]
    return [
        ("home", "/", None),
        ("report", f"/r/{failing.token}/", report_ready),
        ("report-unreachable", f"/r/{unreachable.token}/", report_ready),
        ("report-running", f"/r/{running.token}/", None),
        ("watch", f"/r/{failing.token}/watch/", None),
        ("compare", f"/r/{older.token}/vs/{newer.token}/", open_every_details),
        ("history", f"/t/{newer.target.token}/", None),
        ("site", f"/s/{newer.target.site.host}/", None),
        ("glossary", "/glossary/", None),
        ("glossary-entry", "/glossary/access-control-allow-origin/", None),
        ("scoring", "/scoring/", open_every_details),
        ("simulate", f"/r/{failing.token}/simulate/", None),
        ("subscriptions", "/subscriptions/", None),
        ("subscriptions-manage", f"/subscriptions/{signed_manage}", None),
        ("subscription-confirm", "/" + confirm, None),
        ("unsubscribe", links.unsubscribe_path(subscription), None),
        ("explain", "/explain/", None),
        ("explain-answer", "/explain/", explain_a_message),
        ("api-docs", "/api/v1/docs", open_every_operation),
        ("not-found", "/no/such/page/", None),
    ]


def test_every_page_passes_axe_fits_the_screen_and_is_photographed(
    browser, live_server, every_page
):
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            viewport={"width": width, "height": 900 if width > 600 else 844}, bypass_csp=True
        )
        page = context.new_page()
        for name, path, prepare in every_page:
            page.goto(live_server.url + path)
            if prepare:
                prepare(page)
            shot = SHOTS / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 0
            # And the first screenful, as a person sees the page arrive (docs/ shows two).
            page.screenshot(path=str(SHOTS / f"{name}-{width}-screen.png"))
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{name} at {width}px: the page is {wide}px wide")
            for table in cut_tables(page):
                problems.append(f"{name} at {width}px: a table is cut off at the right: {table}")
            for pair in overlapping_chart_labels(page):
                problems.append(f"{name} at {width}px: chart labels overlap: {pair}")
            for violation in axe_violations(page):
                problems.append(f"{name} at {width}px: {violation}")
        context.close()
    # The colourful pages once more with the visitor's system in dark mode: the contrast of
    # severities, grades and the chart against the dark background.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, color_scheme="dark"
    )
    page = context.new_page()
    for name, path, prepare in every_page:
        if name not in DARK:
            continue
        page.goto(live_server.url + path)
        if prepare:
            prepare(page)
        page.screenshot(path=str(SHOTS / f"{name}-1280-dark.png"), full_page=True)
        for violation in axe_violations(page):
            problems.append(f"{name} in dark mode: {violation}")
    context.close()
    assert problems == [], "\n".join(problems)


FOCUSED = """(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== 'none';
  const path = [];
  for (let node = el; node && node.nodeType === 1 && path.length < 4; node = node.parentElement)
    path.unshift(node.tagName.toLowerCase() + (node.id ? '#' + node.id : ''));
  // Each element gets a number the first time it has the focus: its identity for the test.
  if (!el.dataset.stop) el.dataset.stop = String(window.stops = (window.stops || 0) + 1);
  return {
    stop: el.dataset.stop, tag: el.tagName.toLowerCase(), id: el.id,
    text: (el.innerText || '').trim().slice(0, 60),
    path: path.join(' > '), ring: ring, seen: box.width > 0 && box.height > 0,
    inFix: !!el.closest('.fix'), finding: el.closest('details.finding')?.id || null,
    open: el.closest('details')?.open ?? null,
  };
})()"""


def test_the_report_works_with_the_keyboard_alone(
    browser, live_server, client, settings, allow_loopback, target_server
):
    settings.RESCAN_COOLDOWN = 0  # "Check again" is offered at once
    failing = scanned(client, target_server.url + "/", careless_site, target_server)
    assert failing.status == "done", failing.error
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{failing.token}/")
    # htmx swaps the live "Check again" box into the stored page.
    page.locator("#check-again-slot").wait_for(state="detached")

    def tab(key: str = "Tab") -> dict | None:
        page.keyboard.press(key)
        return page.evaluate(FOCUSED)

    first = tab()
    assert first["text"] == "Skip to content" and first["ring"] and first["seen"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Onwards to the first finding: every stop shows where the focus is.
    visited = []
    focused = tab()
    while not (focused["tag"] == "summary" and focused["finding"]):
        visited.append(focused)
        assert len(visited) < 200, "no finding reached with Tab"
        focused = tab()
    summary = focused
    assert summary["ring"] and summary["seen"], summary
    assert summary["open"] is False
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["open"] is True
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["open"] is False
    page.keyboard.press(" ")
    assert page.evaluate(FOCUSED)["open"] is True

    # Inside the finding: its links, then its fix snippet, which can be scrolled from there.
    focused = tab()
    while not focused["inFix"]:
        assert focused["finding"] == summary["finding"], (
            f"left the finding before its fix: {focused}"
        )
        visited.append(focused)
        focused = tab()
    snippet = focused
    assert snippet["tag"] == "pre" and snippet["ring"] and snippet["seen"], snippet

    # The rest of the page, to the footer's last link: no trap on the way, and the button
    # "Check again" was one of the stops before the findings.
    while focused is not None and focused["text"] != "OpenAPI document":
        visited.append(focused)
        assert len(visited) < 600, f"the focus never reached the end of the page: {visited[-5:]}"
        focused = tab()
    assert focused is not None, "the focus left the page before its end"
    stops = [stop["stop"] for stop in visited]
    assert any(stop["text"] == "Check again" and stop["tag"] == "button" for stop in visited)
    assert len(stops) == len(set(stops)), "the focus came back to a place it had been"
    hidden = [stop for stop in visited if not (stop["ring"] and stop["seen"])]
    assert hidden == [], f"focus not visible on {hidden}"
    # Tab goes on beyond the last link, out of the page: nothing holds the focus.
    after = tab()
    assert after is None or after["text"] == "Skip to content", after
    context.close()
