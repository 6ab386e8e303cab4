"""The finished report page through the test client: a real scan of a local site that trusts
every origin with credentials and sends few security headers."""

import re

import pytest

from checker.analyze.cors_answers import kind_of
from tests.webui.test_report import queue
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db


def careless_site(request):
    headers = [("Content-Type", "text/html"), ("Server", "nginx/1.18.0")]
    origin = request.header("Origin")
    if origin:
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    return 200, headers, b"<!doctype html><p>hi"


@pytest.fixture
def page(client, allow_loopback, target_server):
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/")
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    return scan, client.get(f"/r/{scan.token}/").content.decode()


def test_it_groups_findings_by_area_with_the_most_severe_area_first(page):
    _, html = page
    titles = re.findall(r'<h3 class="area__title" id="area-([a-z-]+)">', html)
    assert titles[0] == "cors"
    assert {"cors", "https", "framing", "disclosure"} <= set(titles)
    cors = html[html.index('id="area-cors"') : html.index('id="area-https"')]
    severities = re.findall(r'<details class="finding finding--([a-z]+)"', cors)
    order = ["critical", "high", "medium", "low", "info"]
    assert severities[0] == "critical"
    assert severities == sorted(severities, key=order.index)


def finding_block(html: str, finding_id: str) -> str:
    """The HTML of one finding: from its <details> to the next finding or the end of its area."""
    here = html.index(f'<code class="finding__id">{finding_id}</code>')
    ends = [html.find(mark, here) for mark in ('<details class="finding', "</section>")]
    return html[html.rindex('<details class="finding', 0, here) : min(e for e in ends if e > 0)]


def test_a_finding_says_what_we_saw_why_it_matters_and_how_to_fix_it_here(page):
    scan, html = page
    block = finding_block(html, "cors.reflect-origin-credentials")
    saw = block.index("What we saw")
    why = block.index("Why it matters")
    fix = block.index("How to fix it")
    assert saw < why < fix
    assert (
        "Your site answered <code>Access-Control-Allow-Origin: https://evil.example</code> "
        "with credentials to a GET request from https://evil.example."
    ) in block
    assert "in visitor&#x27;s own browser" in block or "that visitor&#x27;s own browser" in block
    # The server said nginx: its snippet comes first, filled in with this site's host.
    assert "in nginx (recognised from <code>Server: nginx/1.18.0</code>)" in block
    first = re.search(
        r'<pre class="fix__code" tabindex="0"><code>(.*?)</code></pre>', block, re.DOTALL
    )
    assert "server_name 127.0.0.1;" in first.group(1)
    assert "https://your-frontend.invalid" in first.group(1)
    assert "none was named for this scan" in block
    assert "example.com" not in block
    # The other frameworks are one click away, each its own radio button and snippet.
    others = block[block.index('<details class="fix__others">') :]
    assert others.count('class="fix__pick"') == others.count('class="fix__code fix__panel"') > 5
    assert 'data-label="Django, settings.py"' in others
    assert f'href="/glossary/{scan.engine_report.findings[0].glossary}/"' in html


def test_a_findings_evidence_is_the_probes_that_prove_it_the_one_that_matters_first(page):
    scan, html = page
    block = finding_block(html, "cors.reflect-origin-credentials")
    rows = re.findall(r'<tr class="cors-row cors-row--(\w+)">(.*?)</tr>', block, re.DOTALL)
    assert 1 <= len(rows) <= 2
    tone, first = rows[0]
    assert tone == "bad"
    # Sent, and echoed back: the answer's column says so rather than repeating the origin.
    assert "<code>https://<wbr>evil<wbr>.example</code>" in first
    assert 'Allow-Origin: <span class="cors-row__echo">the origin sent</span>' in first
    assert "GET" in first and "<code>true</code>" in first and "Trusted, with cookies" in first
    # Never the same row twice in one finding.
    assert len({row for _, row in rows}) == len(rows)


def test_the_full_probe_matrix_appears_once_at_the_end(page):
    scan, html = page
    report = scan.engine_report
    assert html.count('id="matrix-title"') == 1
    matrix = html[html.index('id="matrix-title"') :]
    assert html.index('id="matrix-title"') > html.index('id="score-title"')
    cors_probes = [e for e in report.exchanges if kind_of(e.probe)]
    table = matrix[: matrix.index("</table>")]
    assert table.count('<tr class="cors-row') == len(cors_probes)
    # A finding citing more probes than it shows points there.
    vary = finding_block(html, "cors.vary-origin-missing")
    assert 'href="#matrix-title"' in vary
    assert '<div class="matrix__box" tabindex="0" role="region"' in html


def test_a_header_finding_says_the_request_and_the_header_missing_once(page):
    scan, html = page
    block = finding_block(html, "framing.missing")
    assert (
        f"GET {scan.target_url} answered 200 without a <code>X-Frame-Options</code> or "
        "<code>Content-Security-Policy</code> header."
    ) in block
    # The sentence has said all the request shows: no evidence block repeats it.
    assert 'class="evidence"' not in block
    assert "add_header X-Frame-Options &quot;SAMEORIGIN&quot; always;" in block


def test_the_score_table_adds_up_to_the_grade(page):
    scan, html = page
    report = scan.engine_report
    table = html[
        html.index('<table class="score-table">') : html.index(
            "</table>", html.index('<table class="score-table">')
        )
    ]
    assert '<td class="num">100</td>' in table
    for line in report.score_lines:
        assert f"<code>{line.finding}</code>" in table
        assert f'<td class="num">{line.modifier:+d}</td>' in table
    assert f"Total: {scan.score} gives" in table
    assert f'<td class="num"><strong>{scan.grade}</strong></td>' in table
    assert 'href="/scoring/"' in html


def test_the_summary_has_a_sentence_and_a_severity_chart_without_inline_style(page):
    scan, html = page
    assert '<p class="summary__sentence">Grade F: ' in html
    assert "1 critical" in html
    assert '<rect class="sev-fill sev-fill--critical" x="0.000"' in html
    assert "style=" not in html


def test_the_raw_exchanges_are_listed_collapsed_in_a_focusable_box(page):
    scan, html = page
    assert html.count('<details class="raw">') == len(scan.engine_report.exchanges)
    assert "Origin: https://evil.example" in html
    assert '<div class="raw-log" tabindex="0" role="region"' in html


def test_the_fix_is_filled_in_with_the_frontend_origin_the_user_named(
    client, allow_loopback, target_server
):
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/", frontend_origin="https://app.shop.test")
    run_scan(scan.pk)
    html = client.get(f"/r/{scan.token}/").content.decode()
    block = finding_block(html, "cors.reflect-origin-credentials")
    assert "&quot;https://app.shop.test&quot; $http_origin;" in block  # nginx's map
    assert "CORS_ALLOWED_ORIGINS = [&quot;https://app.shop.test&quot;]" in block  # Django's
    assert "none was named for this scan" not in block
    assert "your-frontend.invalid" not in html


def test_passed_checks_say_what_is_right_without_a_fix(client, allow_loopback, target_server):
    from tests.webui.conftest import GOOD_HEADERS

    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    scan = queue(client, target_server.url + "/")
    run_scan(scan.pk)
    html = client.get(f"/r/{scan.token}/").content.decode()
    passed = html[html.index('id="passed-title"') : html.index('id="score-title"')]
    blocks = passed.split('<details class="finding finding--pass"')[1:]
    assert blocks
    for block in blocks:
        assert "Why it is right" in block and "What we saw" in block
        assert "How to fix it" not in block and "fix__code" not in block
    assert "X-Frame-Options: DENY" in passed
