"""The report's "In each browser" section, from hand-built reports: no network."""

import json

from checker.browser_outcomes import (
    CREDENTIALED_GET,
    PLAIN_GET,
    PREFLIGHTED,
    STAND_IN_NOTE,
    browser_outcomes,
    duration,
)
from checker.cli import render_json, render_text
from checker.model import Exchange, Report, Request, Response, Status
from checker.target import parse_target

API = "https://api.example/v1/users"
APP = "https://app.example"
ACAO = "Access-Control-Allow-Origin"


def exchange(probe, method, origin=None, headers=(), status=200, url=API, error=None):
    sent = (("Origin", origin),) if origin else ()
    response = None if error else Response(status, tuple(headers))
    return Exchange(probe, Request(method, url, sent), response, error=error)


def report(*probes, frontend=APP, url=API, status=Status.OK):
    main = exchange("main.0", "GET", headers=(("Content-Type", "application/json"),), url=url)
    return Report(
        target=parse_target(url),
        status=status,
        exchanges=(main, *probes),
        chain=("main.0",),
        frontend_origin=frontend,
    )


def by_key(outcomes):
    return {request.key: request for request in outcomes.requests}


def reflecting_without_credentials(max_age="86400"):
    get = exchange("cors.get.frontend", "GET", APP, ((ACAO, APP),))
    preflight = exchange(
        "cors.preflight.frontend",
        "OPTIONS",
        APP,
        (
            (ACAO, APP),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "*"),
            ("Access-Control-Max-Age", max_age),
        ),
        status=204,
    )
    return report(get, preflight)


def test_a_credentialed_get_without_allow_credentials_is_blocked_in_each_browser_in_its_words():
    outcomes = browser_outcomes(reflecting_without_credentials())
    assert (outcomes.origin, outcomes.origin_kind, outcomes.url) == (APP, "frontend", API)
    assert not outcomes.same_origin
    request = by_key(outcomes)[CREDENTIALED_GET]
    assert [row.browser for row in request.rows] == ["chromium", "firefox", "webkit"]
    assert [row.outcome for row in request.rows] == ["blocked"] * 3
    assert {row.failure for row in request.rows} == {"allow-credentials"}
    chromium, firefox, webkit = (row.console for row in request.rows)
    assert chromium == (
        f"Access to fetch at '{API}' from origin '{APP}' has been blocked by CORS policy: The "
        "value of the 'Access-Control-Allow-Credentials' header in the response is '' which must "
        "be 'true' when the request's credentials mode is 'include'.",
    )
    assert firefox[0].startswith("Cross-Origin Request Blocked: The Same Origin Policy")
    assert "Access-Control-Allow-Credentials" in firefox[0]
    assert f"Fetch API cannot load {API} due to access control checks." in webkit[0]
    assert request.headline == "blocked in every browser"
    assert request.differences is None  # the same verdict for the same reason everywhere


def test_a_get_without_credentials_is_allowed_everywhere_and_prints_nothing():
    request = by_key(browser_outcomes(reflecting_without_credentials()))[PLAIN_GET]
    assert [row.outcome for row in request.rows] == ["allowed"] * 3
    assert all(row.console == () and not row.console_unrecorded for row in request.rows)
    assert request.headline == "allowed in every browser"
    assert request.differences is None


def test_the_preflighted_put_shows_firefoxs_warning_and_each_preflight_cache():
    request = by_key(browser_outcomes(reflecting_without_credentials()))[PREFLIGHTED]
    chromium, firefox, webkit = request.rows
    assert [row.outcome for row in request.rows] == ["allowed"] * 3
    assert chromium.console == () and webkit.console == ()
    [warning] = firefox.console
    assert warning.startswith("Cross-Origin Request Warning:")
    assert "`Authorization` header is not covered" in warning
    assert [row.preflight_seconds for row in request.rows] == [7200, 86400, 600]
    assert request.differences == (
        "Firefox prints a warning although it allows the request; each keeps the preflight for "
        "its own time (Chromium 2 h, Firefox 24 h, Safari (WebKit) 10 min); the Fetch standard "
        "blocks it, unlike every browser."
    )
    assert request.note == STAND_IN_NOTE


def test_the_preflights_answer_decides_the_put_and_the_gets_answer_stands_in_for_its_own():
    # The preflight allows the PUT, the GET from the same origin carries no CORS headers.
    get = exchange("cors.get.frontend", "GET", APP)
    preflight = exchange(
        "cors.preflight.frontend",
        "OPTIONS",
        APP,
        (
            (ACAO, APP),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "Content-Type, Authorization"),
        ),
        status=204,
    )
    request = by_key(browser_outcomes(report(get, preflight)))[PREFLIGHTED]
    assert {row.failure for row in request.rows} == {"allow-origin-missing"}
    assert [row.preflight_seconds for row in request.rows] == [5, 5, 5]  # no Max-Age: 5 s each
    assert "Access-Control-Allow-Origin" in request.rows[0].console[0]


def test_the_browsers_part_ways_on_an_https_page_calling_plain_http_loopback():
    url = "http://127.0.0.1:8000/v1/users"
    get = exchange("cors.get.frontend", "GET", APP, ((ACAO, "*"),), url=url)
    request = by_key(browser_outcomes(report(get, url=url)))[PLAIN_GET]
    assert [row.outcome for row in request.rows] == ["ask", "allowed", "blocked"]
    assert request.rows[2].failure == "mixed-content"
    assert request.headline == "it depends on the browser"
    assert request.differences.startswith(
        "Allowed only with the user's permission in Chromium; allowed in Firefox; "
        "blocked in Safari (WebKit)"
    )


def test_different_reasons_for_one_refusal_are_named():
    # WebKit judges the preflight's status first; the others miss the Allow-Origin first.
    get = exchange("cors.get.frontend", "GET", APP, ((ACAO, APP),))
    preflight = exchange("cors.preflight.frontend", "OPTIONS", APP, status=405)
    request = by_key(browser_outcomes(report(get, preflight)))[PREFLIGHTED]
    assert [row.outcome for row in request.rows] == ["blocked"] * 3
    failures = [row.failure for row in request.rows]
    assert failures[0] == failures[1] != failures[2]
    assert request.differences.startswith("All block it, for different reasons (Chromium: ")


def test_a_preflight_that_got_no_answer_blocks_the_put():
    get = exchange("cors.get.frontend", "GET", APP, ((ACAO, APP),))
    preflight = exchange("cors.preflight.frontend", "OPTIONS", APP, error="connection reset")
    request = by_key(browser_outcomes(report(get, preflight)))[PREFLIGHTED]
    assert [row.outcome for row in request.rows] == ["blocked"] * 3


def test_without_a_frontend_the_sites_own_origin_is_same_origin_and_always_allowed():
    outcomes = browser_outcomes(report(frontend=None))
    assert (outcomes.origin, outcomes.origin_kind) == ("https://api.example", "self")
    assert outcomes.same_origin
    for request in outcomes.requests:
        assert [row.outcome for row in request.rows] == ["allowed"] * 3
        assert request.note is None  # a same-origin PUT: the page's own answer stands in
        assert request.differences is None


def test_a_frontend_that_is_the_sites_own_origin_uses_the_probes_sent_as_self():
    own = "https://api.example"
    get = exchange("cors.get.self", "GET", own)
    outcomes = browser_outcomes(report(get, frontend=own + "/"))
    assert (outcomes.origin, outcomes.origin_kind, outcomes.same_origin) == (own, "frontend", True)
    assert all(row.allowed for request in outcomes.requests for row in request.rows)


def test_a_report_without_the_origins_probes_says_the_verdict_is_not_known():
    outcomes = browser_outcomes(report())  # from an engine that did not probe the frontend
    for request in outcomes.requests:
        assert [row.outcome for row in request.rows] == ["unknown"] * 3
        assert request.headline.startswith("not known")


def test_a_scan_that_did_not_end_ok_has_no_section():
    assert browser_outcomes(report(status=Status.UNREACHABLE)) is None
    assert browser_outcomes(Report(target=report().target, status=Status.OK)) is None


def test_it_serialises_to_json():
    data = json.loads(json.dumps(browser_outcomes(reflecting_without_credentials()).to_dict()))
    assert [request["key"] for request in data["requests"]] == [
        CREDENTIALED_GET,
        PLAIN_GET,
        PREFLIGHTED,
    ]
    assert data["requests"][0]["rows"][0]["console"][0].startswith("Access to fetch at")


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (7200, 86400, 600, 5, 0, 90)] == [
        "2 h",
        "24 h",
        "10 min",
        "5 s",
        "0 s",
        "90 s",
    ]


def test_the_cli_prints_a_line_per_request_and_its_json_carries_the_section():
    scanned = reflecting_without_credentials()
    text = render_text(scanned)
    assert f"In each browser, from your frontend {APP}:" in text
    assert "  GET with cookies: blocked in every browser." in text
    assert "    Firefox prints a warning although it allows the request;" in text
    document = json.loads(render_json(scanned))
    assert document["browsers"]["origin"] == APP
    assert document["browsers"]["requests"][2]["rows"][1]["preflight_seconds"] == 86400
    assert json.loads(render_json(report(status=Status.UNREACHABLE)))["browsers"] is None
