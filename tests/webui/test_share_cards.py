"""Share cards: the Open Graph and Twitter fields a pasted report link previews with."""

import html as htmllib
import re

import pytest
from django.utils import timezone

from checker.model import Finding, Report, Severity, Status, Target
from webui.models import Scan, Site
from webui.presenting import SHARE_LENGTH, share_description
from webui.tasks import run_scan

TARGET = Target("shop.example", "https", "shop.example", 443, "/")


def report_with(*findings: tuple[str, Severity, str]) -> Report:
    return Report(
        target=TARGET,
        status=Status.OK,
        findings=tuple(Finding(id, severity, title, "") for id, severity, title in findings),
        grade="C",
        score=60,
    )


def test_the_description_names_the_worst_findings_first_then_counts_them():
    report = report_with(
        ("xcto.missing", Severity.LOW, "No X-Content-Type-Options."),
        (
            "cors.reflect-origin-credentials",
            Severity.CRITICAL,
            "Any origin is trusted, with cookies",
        ),
        ("hsts.missing", Severity.HIGH, "No Strict-Transport-Security"),
        ("referrer.missing", Severity.MEDIUM, "No Referrer-Policy"),
        ("server.version", Severity.INFO, "The server names its version"),
        ("csp.present", Severity.PASS, "A Content-Security-Policy"),
    )

    assert share_description(report) == (
        "Worst findings: Any origin is trusted, with cookies (critical); No "
        "Strict-Transport-Security (high); No Referrer-Policy (medium). 4 problems in all, "
        "1 check passed."
    )


def test_one_problem_and_no_problem_read_as_sentences():
    one = report_with(("hsts.missing", Severity.HIGH, "No Strict-Transport-Security"))
    clean = report_with(*[(f"ok.{n}", Severity.PASS, "Fine") for n in range(3)])

    assert share_description(one) == "One problem: No Strict-Transport-Security (high)."
    assert share_description(clean) == "No problems found; 3 checks passed."
    assert share_description(report_with()) == "No problems found."


def test_a_long_description_is_cut_at_a_word():
    long_title = "A finding whose title names a very long value " + "x" * 40
    report = report_with(*[(f"f.{n}", Severity.HIGH, f"{long_title} {n}") for n in range(4)])

    description = share_description(report)

    assert len(description) <= SHARE_LENGTH
    assert description.endswith("…")


def meta(html: str) -> dict[str, str]:
    pairs = re.findall(
        r'<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">', html
    )
    return {key: htmllib.unescape(value) for key, value in pairs}


@pytest.mark.django_db
def test_a_finished_report_carries_its_grade_target_and_worst_findings(
    client, allow_loopback, target_server, settings
):
    from tests.webui.test_report_page import careless_site

    settings.SITE_URL = "https://corscheck.example"
    target_server.responder = careless_site
    response = client.post("/", {"target": target_server.url + "/"})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    run_scan(scan.pk)
    scan.refresh_from_db()

    card = meta(client.get(scan.get_absolute_url()).content.decode())

    assert card["og:title"] == f"Grade F for {scan.target_url}"
    assert card["og:description"] == share_description(scan.engine_report)
    assert card["og:description"].startswith("Worst findings: ")
    assert "(critical)" in card["og:description"]
    assert card["og:url"] == f"https://corscheck.example/r/{scan.token}/"
    assert card["og:type"] == "website"
    assert card["og:site_name"] == "CORS Check"
    assert card["twitter:card"] == "summary"
    assert card["twitter:title"] == card["og:title"]
    assert card["twitter:description"] == card["og:description"]
    assert "og:image" not in card  # the badge is SVG, which link previews do not show


@pytest.mark.django_db
def test_private_pending_and_unreachable_reports_have_cards_of_their_own(client):
    site = Site.objects.create(host="example.com")

    def make(**fields) -> Scan:
        return Scan.objects.create(site=site, target_raw="x", **fields)

    private = make(
        target_url="example.com/a", private=True, status=Scan.Status.DONE, grade="A", score=95
    )
    pending = make(target_url="example.com/b")
    unreachable = make(
        target_url="example.com/c",
        status=Scan.Status.UNREACHABLE,
        error="example.com does not resolve.",
        finished=timezone.now(),
    )

    cards = {
        s: meta(client.get(s.get_absolute_url()).content.decode())
        for s in (private, pending, unreachable)
    }

    assert cards[private]["og:title"] == "A private CORS Check report"
    assert "grade" not in cards[private]["og:description"].lower()
    assert cards[pending]["og:title"] == "Checking example.com/b"
    assert cards[unreachable]["og:title"] == "example.com/c could not be checked"
    assert cards[unreachable]["og:description"] == "example.com does not resolve."
