"""Grading by profile against real local servers: a well-behaved JSON API is graded as an API,
an error page is said to be one."""

import json
from dataclasses import replace

from checker import scan
from checker.cli import main, render_text
from checker.model import Report, Severity, Status

API_HEADERS = [
    ("Content-Type", "application/json"),
    ("Access-Control-Allow-Origin", "*"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
]


def json_api(request):
    return 200, API_HEADERS, b'{"items": []}'


def broken_page(request):
    return 500, [("Content-Type", "text/html")], b"<h1>Internal Server Error</h1>"


def test_a_well_behaved_json_api_over_https_gets_an_a(tls_target_server, checker_options):
    tls_target_server.responder = json_api
    report = scan(tls_target_server.url + "/v1/items", checker_options)

    assert report.status is Status.OK
    assert (report.profile, report.response_kind) == ("api", "api")
    assert "application/json" in report.profile_reason
    assert report.grade in ("A+", "A"), [line.finding for line in report.score_lines]
    apart = {f.id for f in report.not_applicable}
    assert {"csp.missing", "permissions.missing", "referrer.missing"} <= apart
    assert not apart & {f.id for f in report.findings}
    framing = next(f for f in report.findings if f.id == "framing.missing")
    assert framing.severity is Severity.INFO  # a cheap recommendation for an API: a note
    assert "framing.missing" not in {line.finding for line in report.score_lines if line.modifier}


def test_the_same_api_graded_as_a_page_loses_the_page_checks(tls_target_server, checker_options):
    tls_target_server.responder = json_api
    report = scan(tls_target_server.url + "/v1/items", replace(checker_options, profile="page"))

    assert report.profile == "page"
    assert "asked for" in report.profile_reason
    assert "csp.missing" in {f.id for f in report.findings}
    assert report.not_applicable == ()
    assert report.score < 80


def test_the_profile_travels_in_the_report_json(tls_target_server, checker_options):
    tls_target_server.responder = json_api
    report = scan(tls_target_server.url + "/v1/items", checker_options)
    data = json.loads(json.dumps(report.to_dict()))

    assert data["profile"] == "api" and data["profile_reason"]
    assert Report.from_dict(data) == report


def test_an_error_page_is_still_judged_and_the_report_says_it_is_one(
    target_server, checker_options
):
    target_server.responder = broken_page
    report = scan(target_server.url + "/", checker_options)

    assert report.status is Status.OK
    assert (report.response_kind, report.profile) == ("error", "page")
    assert report.grade and report.findings
    text = render_text(report)
    assert "This address answered 500: did you mean to scan another URL?" in text


def test_the_command_line_takes_a_profile(tls_target_server, ca_bundle, monkeypatch, capsys):
    tls_target_server.responder = json_api
    monkeypatch.setenv("CHECKER_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("CHECKER_ALLOWED_PORTS", "1-65535")  # the test server's random port
    monkeypatch.setenv("CHECKER_CA_BUNDLE", ca_bundle)

    main([tls_target_server.url + "/", "--json", "--profile", "page"])
    assert json.loads(capsys.readouterr().out)["profile"] == "page"
    main([tls_target_server.url + "/"])
    assert "Graded as: api" in capsys.readouterr().out
