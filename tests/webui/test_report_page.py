"""The finished report page through the test client: a real scan of a local site that trusts
every origin with credentials and sends few security headers."""

import re

import pytest

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


def test_each_finding_opens_to_explanation_evidence_and_fix(page):
    scan, html = page
    report = scan.engine_report
    finding = next(f for f in report.findings if f.id == "cors.reflect-origin-credentials")
    start = html.index(f'<code class="finding__id">{finding.id}</code>')
    block = html[start : html.index("</details>", start)]
    assert "What it means" in block
    assert f'href="/glossary/{finding.glossary}/"' in block
    assert "How to fix it" in block and "<pre" in block
    # The CORS evidence table: the hostile origin we sent, echoed back with credentials.
    row = re.search(r'<tr class="cors-row cors-row--bad">.*?</tr>', block, flags=re.DOTALL).group(0)
    assert "<code>https://evil.example</code>" in row
    assert row.count("<code>https://evil.example</code>") == 2  # sent and received
    assert "<code>true</code>" in row
    assert "Trusted, with cookies" in row


def test_a_header_finding_shows_the_request_sent_and_the_header_missing(page):
    scan, html = page
    start = html.index('<code class="finding__id">framing.missing</code>')
    block = html[start : html.index("</details>", start)]
    assert (
        f'<span class="evidence__method">GET</span> <span class="evidence__url">{scan.target_url}'
        in block
    )
    assert "<strong>HTTP/1.1 200</strong>" in block
    assert '<th scope="row">x-frame-options</th><td><span class="absent">not sent</span>' in block


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


def test_the_raw_exchanges_are_listed_collapsed(page):
    scan, html = page
    assert html.count('<details class="raw">') == len(scan.engine_report.exchanges)
    assert "Origin: https://evil.example" in html
