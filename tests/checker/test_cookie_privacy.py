"""Cookie values never reach a report: names and attributes are kept, values are redacted in the
engine, and the analyzers judge a redacted line exactly as they judge the original."""

from __future__ import annotations

import json

import pytest

from checker import Report, Status, scan
from checker.analyze import cookies
from checker.cli import render_json, render_text
from checker.headers.cookies import (
    parse_set_cookie,
    redact_headers,
    redact_report_data,
    redact_set_cookie,
)
from tests.checker.analyzers.build import chain, exchange, redirect
from tests.targets import ReceivedRequest, TargetServer

SECRET = "SECRETVALUE-0123456789"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("sid=SECRET; Path=/; Secure", "sid=<redacted: 6 bytes>; Path=/; Secure"),
        ("sid=S", "sid=<redacted: 1 byte>"),
        ("a = b=c ; SameSite=Strict", "a =<redacted: 3 bytes>; SameSite=Strict"),
        ("justvalue; Secure", "<redacted: 9 bytes>; Secure"),
        ("bad=\x01value; Secure", "bad=<redacted: 6 bytes with control characters>; Secure"),
        ("sid=; Max-Age=0", "sid=; Max-Age=0"),  # nothing to hide
        ("=", "="),
        ("sid=<redacted: 6 bytes>; Path=/", "sid=<redacted: 6 bytes>; Path=/"),  # done once
    ],
)
def test_it_replaces_the_value_and_keeps_the_rest(line, redacted):
    assert redact_set_cookie(line) == redacted
    assert redact_set_cookie(redacted) == redacted


def test_only_cookie_headers_are_touched():
    headers = (
        ("Set-Cookie", "a=1"),
        ("X-Token", "keep"),
        ("set-cookie2", "b=22"),
        ("Cookie", "a=1; b=22;c=333"),
    )
    assert redact_headers(headers) == (
        ("Set-Cookie", "a=<redacted: 1 byte>"),
        ("X-Token", "keep"),
        ("set-cookie2", "b=<redacted: 2 bytes>"),
        ("Cookie", "a=<redacted: 1 byte>; b=<redacted: 2 bytes>; c=<redacted: 3 bytes>"),
    )


# Every line the cookie analyzer's own tests use, and the edges of the parser.
COOKIE_LINES = [
    "__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
    "lang=en; Path=/; Secure; SameSite=Strict",
    "lang=en; SameSite=Lax",
    "PHPSESSID=1; Secure; SameSite=Lax",
    "connect.sid=1; Secure; SameSite=Lax",
    "auth_token=1; Secure; SameSite=Lax",
    "theme=dark; Secure; SameSite=Lax",
    "csrftoken=1; Secure; SameSite=Lax",
    "XSRF-TOKEN=1; Secure; SameSite=Lax",
    "a=1; Secure",
    "b=1; Secure; SameSite=yes",
    "tracker=1; SameSite=None",
    "tracker=1; SameSite=None; Secure",
    "__Host-id=1; Secure; SameSite=Lax",
    "__Host-id=1; Secure; Path=/; Domain=example.com; SameSite=Lax",
    "__host-id=1; Path=/; SameSite=Lax",
    "__Secure-id=1; SameSite=Lax",
    "__Secure-id=1; Secure; SameSite=Lax",
    "visit=1",
    "sid=; Max-Age=0",
    "sid=x; Max-Age=0",
    "sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    "=",
    "bad=\x01value; Secure",
    "b\x01ad=value; Secure",
    " a = b=c ; SameSite=Strict; samesite=None ;secure;; Path",
    "justvalue; Secure",
    "long=" + "x" * 4091 + "; Secure; SameSite=Lax",  # 4095 bytes: kept
    "long=" + "x" * 4092 + "; Secure; SameSite=Lax",  # 4096 bytes: still kept
    "long=" + "x" * 4093 + "; Secure; SameSite=Lax",  # over the limit: dropped by browsers
]


def judged(lines: list[str], url: str) -> list[tuple]:
    observation = chain(
        redirect("http://example.com/", url, probe="main.0", headers=[("Set-Cookie", "hop=1")]),
        exchange(url, [("Set-Cookie", line) for line in lines], probe="main.1"),
    )
    return [
        (f.id, f.severity, f.title, f.glossary, f.exchanges, [k for k, _ in f.facts])
        for f in cookies.analyze(observation)
    ]


@pytest.mark.parametrize("url", ["https://example.com/", "http://example.com/"])
@pytest.mark.parametrize("line", COOKIE_LINES, ids=lambda line: repr(line[:40]))
def test_a_redacted_line_is_judged_as_the_original(line, url):
    original = parse_set_cookie(line)
    redacted = parse_set_cookie(redact_set_cookie(line))
    assert (redacted.name, redacted.attributes, redacted.rejected) == (
        original.name,
        original.attributes,
        original.rejected,
    )
    assert judged([redact_set_cookie(line)], url) == judged([line], url)


def test_all_cookie_lines_together_give_the_same_findings():
    url = "https://example.com/"
    assert judged([redact_set_cookie(line) for line in COOKIE_LINES], url) == judged(
        COOKIE_LINES, url
    )


def test_no_cookie_value_reaches_the_report(checker_options):
    """Set on a redirect hop, on the final page and on every probe: never stored."""
    with TargetServer() as final, TargetServer() as first:
        first.responder = lambda request: (
            302,
            [("Location", final.url + "/"), ("Set-Cookie", f"hop={SECRET}; Path=/")],
            b"",
        )

        def page(request: ReceivedRequest):
            headers = [
                ("Content-Type", "text/html"),
                ("Set-Cookie", f"sid={SECRET}; Path=/; HttpOnly"),
                ("Set-Cookie", f"bare{SECRET}"),
            ]
            return 200, headers, b"<!doctype html><title>t</title>"

        final.responder = page
        report = scan(first.url + "/", checker_options)

    assert report.status is Status.OK
    assert len(report.exchanges) > 2  # the chain and the probes
    rendered = render_json(report)
    assert SECRET not in rendered
    assert SECRET not in render_text(report)
    assert SECRET not in repr(report)
    assert f"sid=<redacted: {len(SECRET)} bytes>; Path=/; HttpOnly" in rendered
    assert f"hop=<redacted: {len(SECRET)} bytes>; Path=/" in rendered
    assert "cookie.session-no-httponly" not in {f.id for f in report.findings}
    assert "cookie.set-over-http" in {f.id for f in report.findings}
    for e in report.exchanges:
        assert e.response is not None and e.response.header("set-cookie"), e.probe
    # The client sends the cookies back on later requests; those are stored redacted too.
    sent_back = [e.request.header("cookie") for e in report.exchanges if e.request.header("cookie")]
    assert sent_back and all("<redacted: " in value for value in sent_back)


def test_a_stored_report_is_redacted_the_same_way():
    line = f"sid={SECRET}; Path=/"
    facts = [["cookie", "sid"], ["set-cookie", line]]
    stored = {
        "target": {"raw": "x", "scheme": "https", "host": "example.com", "port": 443, "path": "/"},
        "status": "ok",
        "exchanges": [
            {
                "probe": "main.0",
                "request": {
                    "method": "GET",
                    "url": "https://example.com/",
                    "headers": [["Cookie", f"sid={SECRET}"]],
                },
                "response": {"status": 200, "headers": [["Set-Cookie", line], ["X-A", "b"]]},
            },
            {"probe": "cors.x", "request": {"method": "GET", "url": "u"}, "response": None},
        ],
        "findings": [
            {
                "id": "cookie.no-secure",
                "severity": "medium",
                "title": "t",
                "glossary": "g",
                "facts": facts,
            },
        ],
    }
    redacted = redact_report_data(json.loads(json.dumps(stored)))

    assert SECRET not in json.dumps(redacted)
    assert redacted["exchanges"][0]["response"]["headers"] == [
        ["Set-Cookie", f"sid=<redacted: {len(SECRET)} bytes>; Path=/"],
        ["X-A", "b"],
    ]
    assert redacted["exchanges"][0]["request"]["headers"] == [
        ["Cookie", f"sid=<redacted: {len(SECRET)} bytes>"]
    ]
    assert redacted["findings"][0]["facts"][1] == [
        "set-cookie",
        f"sid=<redacted: {len(SECRET)} bytes>; Path=/",
    ]
    assert Report.from_dict(redacted).exchange("main.0").response.header("x-a") == "b"
    assert redact_report_data(json.loads(json.dumps(redacted))) == redacted
