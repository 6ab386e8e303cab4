"""Comparing two reports: hand-built reports for each rule, real scans of a server that changed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from checker import Report, Severity, Status, parse_target, scan
from checker.compare import Change, compare, header_name, subjects
from checker.findings import ROWS, SUBJECTS, finding
from tests.targets import ReceivedRequest, TargetServer

TARGET = parse_target("https://shop.example/")


def report(*findings, status=Status.OK, grade="B", score=80, version=4) -> Report:
    return Report(
        target=TARGET,
        status=status,
        findings=tuple(findings),
        grade=None if status is not Status.OK else grade,
        score=None if status is not Status.OK else score,
        algorithm_version=version,
    )


def cookies(finding_id: str, *names: str):
    facts = tuple(
        pair for name in names for pair in (("cookie", name), ("set-cookie", name + "=1"))
    )
    return finding(finding_id, f"{len(names)} cookies: {', '.join(names)}", facts=facts)


def kinds(comparison) -> list[tuple[str, str, str]]:
    return [(c.kind, c.id, c.subject) for c in comparison.changes]


def test_every_subject_a_row_names_is_in_the_table():
    named = {row.subject for row in ROWS if row.subject}
    assert named <= set(SUBJECTS)
    assert named == set(SUBJECTS), "a kind of subject no row uses"


def test_a_finding_about_several_cookies_changes_per_cookie():
    before = report(cookies("cookie.no-secure", "session", "theme"))
    after = report(cookies("cookie.no-secure", "theme", "cart"))

    result = compare(before, after)

    assert sorted(kinds(result)) == [
        ("fixed", "cookie.no-secure", "cookie session"),
        ("new", "cookie.no-secure", "cookie cart"),
        ("unchanged", "cookie.no-secure", "cookie theme"),
    ]
    assert result.changed
    assert [c.subject for c in result.new] == ["cookie cart"]
    assert [c.subject for c in result.fixed] == ["cookie session"]


def test_the_title_never_decides_a_match():
    before = report(
        finding(
            "disclosure.server-version", "Server: nginx/1.18", facts=(("server", "nginx/1.18"),)
        )
    )
    after = report(
        finding(
            "disclosure.server-version", "Server: nginx/1.27", facts=(("server", "nginx/1.27"),)
        )
    )

    result = compare(before, after)

    assert kinds(result) == [("unchanged", "disclosure.server-version", "header Server")]
    assert result.unchanged[0].title == "Server: nginx/1.27"
    assert not result.changed


def test_a_finding_names_each_header_it_quotes():
    both = finding(
        "disclosure.aspnet-version",
        facts=(("x-aspnet-version", "4.0.30319"), ("x-aspnetmvc-version", "5.2")),
    )
    assert subjects(both) == ("header X-AspNet-Version", "header X-AspNetMvc-Version")
    assert header_name("expect-ct") == "Expect-CT"


def test_an_origin_class_is_about_its_origin_and_a_class_of_look_alikes_about_itself():
    reflect = finding("cors.reflect-origin", facts=(("origin sent", "https://evil.example"),))
    special = finding(
        "cors.special-characters", facts=(("origin sent", "https://shop.example!.evil.test"),)
    )
    assert subjects(reflect) == ("origin https://evil.example",)
    assert subjects(special) == ("",)


def test_resources_are_named_by_tag_and_url():
    missing = finding(
        "sri.missing",
        facts=(
            ("count", "2"),
            ("script", "https://cdn.example/a.js"),
            ("stylesheet", "https://cdn.example/a.css"),
        ),
    )
    assert subjects(missing) == (
        "script https://cdn.example/a.js",
        "stylesheet https://cdn.example/a.css",
    )


def test_a_finding_about_the_whole_target_has_an_empty_subject():
    assert subjects(finding("hsts.missing")) == ("",)
    # an id this engine does not know, from an older or newer one
    unknown = replace(finding("hsts.missing"), id="hsts.from-the-future", facts=(("cookie", "x"),))
    assert subjects(unknown) == ("",)
    # a row with a subject whose facts name none: still one change, about the whole target
    assert subjects(finding("cookie.no-secure")) == ("",)


def test_another_severity_for_the_same_id_and_subject_is_worse_or_better():
    quiet = finding("cors.private-network-allowed", severity=Severity.INFO)
    loud = finding("cors.private-network-allowed", severity=Severity.MEDIUM)

    worse = compare(report(quiet), report(loud))
    better = compare(report(loud), report(quiet))

    assert kinds(worse) == [("worse", "cors.private-network-allowed", "")]
    assert (worse.worse[0].before, worse.worse[0].after) == (Severity.INFO, Severity.MEDIUM)
    assert kinds(better) == [("better", "cors.private-network-allowed", "")]
    assert worse.changed and better.changed


def test_changes_come_by_kind_worst_first_and_fixed_ones_keep_the_old_title():
    before = report(finding("hsts.missing", "No HSTS here"), finding("referrer.missing"))
    after = report(
        finding("csp.missing"), finding("tls.certificate-invalid"), finding("referrer.missing")
    )

    result = compare(before, after)

    assert kinds(result) == [
        ("new", "tls.certificate-invalid", ""),
        ("new", "csp.missing", ""),
        ("fixed", "hsts.missing", ""),
        ("unchanged", "referrer.missing", ""),
    ]
    assert result.fixed[0].title == "No HSTS here"
    assert result.new[0].glossary == "tls-certificate"
    assert result.unchanged[0].glossary == "referrer-policy"
    assert result.fixed[0] == Change(
        "fixed",
        "hsts.missing",
        "",
        "No HSTS here",
        Severity.HIGH,
        None,
        "strict-transport-security",
    )


def test_identical_reports_have_nothing_to_say():
    same = report(cookies("cookie.no-secure", "a", "b"), finding("hsts.missing"))

    result = compare(same, same)

    assert not result.changed and not result.grade_changed
    assert result.score_change == 0
    assert {c.kind for c in result.changes} == {"unchanged"}
    assert len(result.unchanged) == 3


def test_a_grade_or_score_change_alone_is_a_change():
    assert compare(report(score=80), report(score=81)).changed
    moved = compare(report(grade="B"), report(grade="C"))
    assert moved.changed and moved.grade_changed


@pytest.mark.parametrize("down", [Status.UNREACHABLE, Status.REDIRECTS])
def test_a_side_that_reached_nothing_has_no_findings_to_compare(down):
    up = report(finding("hsts.missing"))
    gone = report(status=down)

    for result in (compare(up, gone), compare(gone, up)):
        assert not result.comparable
        assert result.changes == ()
        assert result.changed and result.status_changed
        assert result.score_change is None
    assert compare(up, gone).after_grade is None


def test_two_unreachable_reports_of_the_same_kind_are_no_change():
    gone = report(status=Status.UNREACHABLE)
    assert not compare(gone, gone).changed
    assert compare(gone, report(status=Status.REDIRECTS)).changed


def test_reports_graded_by_different_algorithms_say_so():
    result = compare(report(version=3), report(version=4))
    assert result.versions_differ
    assert not compare(report(), report()).versions_differ


def test_the_dict_is_json_and_holds_every_change():
    before = report(cookies("cookie.no-secure", "session"))
    after = report(finding("hsts.missing"), grade="C", score=60)

    data = json.loads(json.dumps(compare(before, after).to_dict()))

    assert data["before"] == {"status": "ok", "grade": "B", "score": 80, "algorithm_version": 4}
    assert data["after"]["grade"] == "C" and data["grade_changed"] and data["changed"]
    assert data["counts"] == {"new": 1, "fixed": 1, "worse": 0, "better": 0, "unchanged": 0}
    assert data["changes"][1] == {
        "kind": "fixed",
        "id": "cookie.no-secure",
        "subject": "cookie session",
        "title": "1 cookies: session",
        "before": "medium",
        "after": None,
        "glossary": "set-cookie",
    }


# --- Real scans of a local server whose headers change between two scans ----------------------


GOOD_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]


def shop(state: dict):
    def respond(request: ReceivedRequest):
        headers = list(GOOD_HEADERS)
        headers += [("Set-Cookie", line) for line in state["cookies"]]
        headers += state.get("headers", [])
        origin = request.header("Origin")
        if state.get("reflect") and origin:
            headers.append(("Access-Control-Allow-Origin", origin))
            if state.get("credentials"):
                headers.append(("Access-Control-Allow-Credentials", "true"))
        return 200, headers, b"<!doctype html><title>shop</title>"

    return respond


def test_two_scans_of_a_server_that_changed_between_them(tls_target_server, checker_options):
    state = {
        "cookies": ["session=abc; Path=/", "theme=dark; Secure; SameSite=Lax"],
        "headers": [("X-Powered-By", "PHP/8.1.2")],
        "reflect": True,
        "credentials": True,
    }
    tls_target_server.responder = shop(state)
    before = scan(tls_target_server.url + "/", checker_options)
    state.update(
        cookies=[
            "session=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
            "theme=dark; Secure; SameSite=Lax",
            "tracker=1; Path=/",
        ],
        headers=[],
        credentials=False,
    )
    after = scan(tls_target_server.url + "/", checker_options)
    assert before.status is after.status is Status.OK

    result = compare(before, after)
    changed = {(c.kind, c.id, c.subject) for c in result.changes if c.kind != "unchanged"}

    assert ("fixed", "cookie.no-secure", "cookie session") in changed
    assert ("new", "cookie.no-secure", "cookie tracker") in changed
    assert ("fixed", "cookie.session-no-httponly", "cookie session") in changed
    assert ("fixed", "disclosure.powered-by-version", "header X-Powered-By") in changed
    origin = "origin https://evil.example"
    assert ("fixed", "cors.reflect-origin-credentials", origin) in changed
    assert ("new", "cors.reflect-origin", origin) in changed
    assert not any(c.subject == "cookie theme" for c in result.new + result.fixed)
    assert result.score_change > 0 and result.grade_changed, (before.score, after.score)

    again = compare(after, scan(tls_target_server.url + "/", checker_options))
    assert not again.changed, [c for c in again.changes if c.kind != "unchanged"]


def test_a_scan_of_a_server_that_went_away(checker_options):
    with TargetServer() as server:
        url = server.url + "/"
        up = scan(url, checker_options)
    down = scan(url, checker_options)

    result = compare(up, down)

    assert up.status is Status.OK and down.status is Status.UNREACHABLE
    assert result.changed and not result.comparable and result.changes == ()
