from checker.analyze import framing
from checker.model import Severity
from tests.checker.analyzers.build import fact, ids, only, page


def run(*headers):
    return list(framing.analyze(page(list(headers))))


def xfo(value):
    return ("X-Frame-Options", value)


def test_it_reports_neither_header_with_the_contract_id():
    finding = only(run(), "framing.missing")
    assert finding.severity is Severity.MEDIUM
    assert finding.exchanges == ("main.0",)


def test_deny_and_sameorigin_pass_in_any_case():
    for value in ("DENY", "sameorigin", " SameOrigin "):
        assert ids(run(xfo(value))) == ["framing.ok"]


def test_allow_from_is_reported_as_obsolete():
    finding = only(run(xfo("ALLOW-FROM https://partner.example")), "framing.xfo-allow-from")
    assert finding.severity is Severity.MEDIUM


def test_an_unknown_value_is_invalid():
    finding = only(run(xfo("yes please")), "framing.xfo-invalid")
    assert fact(finding, "x-frame-options") == ["yes please"]


def test_repeated_identical_values_are_fine():
    assert ids(run(xfo("DENY"), xfo("deny"))) == ["framing.ok"]


def test_conflicting_values_block_all_framing_but_are_flagged():
    assert ids(run(xfo("DENY, SAMEORIGIN"))) == ["framing.xfo-conflicting"]


def test_frame_ancestors_wins_over_x_frame_options():
    findings = run(
        xfo("ALLOW-FROM https://a.example"), ("Content-Security-Policy", "frame-ancestors 'self'")
    )
    finding = only(findings, "framing.ok")
    assert finding.glossary == "x-frame-options"  # its entry explains frame-ancestors too
    assert fact(finding, "x-frame-options-used") == ["no"]
    assert "own origin" in finding.title


def test_a_wildcard_frame_ancestors_allows_any_site_even_with_deny():
    findings = run(xfo("DENY"), ("Content-Security-Policy", "frame-ancestors *"))
    assert ids(findings) == ["framing.allows-any"]


def test_frame_ancestors_with_an_allowlist_passes():
    findings = run(
        ("Content-Security-Policy", "default-src 'self'; frame-ancestors https://a.example")
    )
    assert "listed origins" in only(findings, "framing.ok").title


def test_frame_ancestors_in_report_only_does_not_count():
    findings = run(("Content-Security-Policy-Report-Only", "frame-ancestors 'none'"))
    assert ids(findings) == ["framing.missing"]
