"""Which mail a re-check leads to, and how it words the change: decisions on hand-built reports.

The reports are the engine's own dataclasses filled in by hand, so every outcome (grade moved,
a finding re-rated, a passing check gone, the site down or back) can be set up exactly; the mails
they lead to are rendered by the real templates. Sending them is in test_watching_mail.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from checker import parse_target
from checker.model import Finding, Report, Severity, Status
from webui import alerts, mail
from webui.models import Scan, Site, Subscription, Target

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
URL = "https://shop.example/api"
MISSING_XCTO = Finding("xcto.missing", Severity.LOW, "No X-Content-Type-Options", "xcto")
XCTO_SET = Finding("xcto.ok", Severity.PASS, "X-Content-Type-Options is nosniff", "xcto")
NO_CSP = Finding("csp.missing", Severity.MEDIUM, "No Content-Security-Policy", "csp")


def report(*findings: Finding, grade="B", score=80, status=Status.OK, version=4) -> Report:
    return Report(
        target=parse_target(URL),
        status=status,
        findings=findings,
        grade=grade if status is Status.OK else None,
        score=score if status is Status.OK else None,
        message="" if status is Status.OK else "shop.example refused the connection on port 443.",
        algorithm_version=version,
    )


def scan(engine_report: Report, token: str) -> Scan:
    status = {
        Status.OK: Scan.Status.DONE,
        Status.UNREACHABLE: Scan.Status.UNREACHABLE,
        Status.ERROR: Scan.Status.FAILED,
    }[engine_report.status]
    return Scan(
        token=token,
        status=status,
        report=engine_report.to_dict(),
        grade=engine_report.grade or "",
        score=engine_report.score,
        error=engine_report.message,
        finished=NOW,
    )


@pytest.fixture
def subscription() -> Subscription:
    target = Target(token="target123456", site=Site(host="shop.example"), url=URL)
    return Subscription(pk=7, target=target, email="ann@example.com")


GOOD = report(XCTO_SET, grade="B", score=80)
WORSE = report(MISSING_XCTO, NO_CSP, grade="D", score=55)
DOWN = report(status=Status.UNREACHABLE)


@pytest.mark.parametrize(
    ("before", "after", "was_reachable", "mode", "expected"),
    [
        (GOOD, WORSE, True, "changes", "changes"),
        (GOOD, WORSE, True, "every", "changes"),
        (GOOD, GOOD, True, "changes", None),
        (GOOD, GOOD, True, "every", "no-change"),
        (GOOD, DOWN, True, "changes", "unreachable"),
        (GOOD, DOWN, None, "every", "unreachable"),
        (GOOD, DOWN, False, "every", None),  # told once already
        (GOOD, GOOD, False, "changes", "recovered"),  # back, even unchanged
        (DOWN, GOOD, False, "changes", "recovered"),  # subscribed while it was down
        (None, GOOD, None, "every", None),  # nothing to compare with yet
        (GOOD, report(status=Status.ERROR), True, "every", None),  # our failure, not news
    ],
)
def test_the_mail_a_re_check_leads_to(subscription, before, after, was_reachable, mode, expected):
    subscription.mode = mode
    before_scan = scan(before, "before123456") if before else None
    after_scan = scan(after, "after1234567")

    message = alerts.message_for(subscription, before_scan, after_scan, was_reachable)

    assert (message[0] if message else None) == expected


def test_a_passing_check_coming_or_going_is_not_listed_beside_the_problem_it_stands_for(
    subscription,
):
    fixed = scan(report(MISSING_XCTO, grade="C", score=70), "before123456")
    now = scan(report(XCTO_SET, grade="B", score=80), "after1234567")

    name, context = alerts.message_for(subscription, fixed, now, True)

    assert name == "changes"
    assert [line.text for line in context["lines"]] == ["Fixed, was low: No X-Content-Type-Options"]


def test_a_re_rated_finding_says_both_severities(subscription):
    worse = replace(NO_CSP, severity=Severity.HIGH)
    lines = alerts.change_lines(alerts.compare(report(NO_CSP), report(worse)))
    assert [line.text for line in lines] == ["Worse, medium → high: No Content-Security-Policy"]
    assert lines[0].colour == alerts.SEVERITY_COLOURS[Severity.HIGH]


def test_the_subject_counts_the_changes_when_the_grade_stayed(subscription):
    before = scan(report(XCTO_SET, grade="B", score=80), "before123456")
    after = scan(report(XCTO_SET, NO_CSP, grade="B", score=75), "after1234567")

    subject, text, _ = mail.render(*alerts.message_for(subscription, before, after, True))

    assert subject == "shop.example/api: still B, 1 new finding"
    assert "still graded B (score 80 → 75)" in text


def test_a_change_of_our_grading_rules_is_said_so(subscription):
    before = scan(report(XCTO_SET, version=3), "before123456")
    after = scan(report(XCTO_SET, NO_CSP, grade="C", score=70), "after1234567")

    _, text, html = mail.render(*alerts.message_for(subscription, before, after, True))

    assert "Our grading rules changed since the earlier check" in text
    assert "Our grading rules changed since the earlier check" in html


def test_a_title_the_site_controls_stays_on_one_line():
    assert alerts.one_line("Server: nginx\r\nX-Evil: 1\tgo") == "Server: nginx X-Evil: 1 go"
    long = alerts.one_line("x" * 500)
    assert len(long) == alerts.LONGEST_TITLE and long.endswith("…")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://shop.example/", "shop.example"),
        ("https://shop.example/api/", "shop.example/api"),
        ("http://127.0.0.1:8080/x", "127.0.0.1:8080/x"),
        ("shop.example", "shop.example"),
    ],
)
def test_a_mail_names_the_target_without_its_scheme(url, name):
    assert alerts.target_name(url) == name


def test_the_footer_names_the_options_that_make_the_target(subscription):
    subscription.target.frontend_origin = "https://app.example"
    subscription.target.profile = "api"
    subscription.mode = "every"
    same = scan(GOOD, "after1234567")

    _, text, html = mail.render(*alerts.message_for(subscription, same, same, True))

    expected = (
        "daily re-checks of shop.example/api (frontend origin https://app.example, graded as "
        "an API), every time."
    )
    assert expected in text and expected in html
