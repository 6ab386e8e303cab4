"""The scoring table against the analyzers, and the grading rules."""

from __future__ import annotations

import pytest

from checker import findings, scoring
from checker.analyze import cors_origins, cross_origin
from checker.model import Finding, Severity


def test_the_score_table_and_the_caps_are_views_of_the_catalogue() -> None:
    assert {row.id: row.modifier for row in findings.ROWS} == scoring.SCORE_TABLE
    assert {row.id: row.cap for row in findings.ROWS if row.cap} == scoring.GRADE_CAPS
    assert len(findings.CATALOGUE) == len(findings.ROWS)  # no id has two rows


def test_every_row_says_what_it_is_and_what_it_costs() -> None:
    for row in findings.ROWS:
        assert row.title and row.meaning.endswith("."), row.id
        assert isinstance(row.modifier, int), row.id
        assert row.area in findings.AREAS, row.id
        assert row.applies_to and row.applies_to <= set(findings.PROFILES), row.id
        assert all(name == name.lower() for name in row.evidence), row.id
        assert row.cap is None or row.cap in scoring.LETTERS, row.id
        assert row.id.split(".", 1)[0] in ID_AREAS, row.id


def test_every_id_the_cors_rules_can_build_has_a_row() -> None:
    built = {
        f"{rule.finding}{end}" for rule in cors_origins.TRUST_RULES for end in ("", "-credentials")
    }
    built |= {
        f"cross-origin.{header.short}-{end}"
        for header in (cross_origin.COOP, cross_origin.COEP, cross_origin.CORP)
        for end in ("missing", "invalid", "ok")
    }
    assert built - set(findings.CATALOGUE) == set()


def test_an_analyzer_cannot_emit_an_id_without_a_row() -> None:
    with pytest.raises(findings.UnknownFinding):
        findings.finding("cors.no-such-finding", "t")


def test_only_a_row_that_says_why_lets_an_analyzer_change_the_severity() -> None:
    with pytest.raises(ValueError):
        findings.finding("xcto.missing", severity=Severity.CRITICAL)
    varied = findings.finding("cors.private-network-allowed", severity=Severity.INFO)
    assert varied.severity is Severity.INFO


# The prefixes of finding ids (the part before the dot).
ID_AREAS = {
    "cors", "tls", "redirect", "https", "hsts", "csp", "sri", "framing", "xcto", "content-type",
    "cache", "referrer", "permissions", "cross-origin", "cookie", "disclosure", "deprecated",
    "site",
}  # fmt: skip


def finding(finding_id: str) -> Finding:
    return Finding(finding_id, Severity.INFO, "t", "origin")


def test_a_clean_report_gets_a_plus() -> None:
    result = scoring.grade([finding("hsts.ok"), finding("xcto.nosniff")])
    assert (result.score, result.grade, result.lines, result.cap) == (100, "A+", (), None)


@pytest.mark.parametrize(
    ("score", "letter"),
    [(100, "A+"), (99, "A"), (90, "A"), (89, "B"), (80, "B"), (65, "C"), (50, "D"), (49, "F")],
)
def test_cutoffs_map_scores_to_letters(score: int, letter: str) -> None:
    assert scoring.letter_for(score) == letter


def test_penalties_add_up_finding_by_finding() -> None:
    result = scoring.grade(
        [finding("hsts.missing"), finding("csp.missing"), finding("xcto.missing")]
    )
    assert result.score == 100 - 20 - 20 - 5
    assert [(line.finding, line.modifier) for line in result.lines] == [
        ("hsts.missing", -20),
        ("csp.missing", -20),
        ("xcto.missing", -5),
    ]
    assert result.grade == "D"


def test_the_same_id_twice_counts_once() -> None:
    assert scoring.grade([finding("xcto.missing")] * 3).score == 95


def test_bonuses_count_only_above_the_floor() -> None:
    assert scoring.grade([finding("csp.strict"), finding("xcto.missing")]).score == 100
    low = scoring.grade([finding("csp.strict"), finding("hsts.missing")])
    assert low.score == 80
    assert [line.finding for line in low.lines] == ["hsts.missing"]


def test_a_critical_cors_finding_caps_the_grade_whatever_the_score() -> None:
    result = scoring.grade([finding("cors.reflect-origin-credentials")])
    assert result.score == 50
    assert (result.grade, result.cap) == ("F", "F")


def test_a_cap_above_the_earned_letter_changes_nothing() -> None:
    result = scoring.grade([finding("cors.reflect-origin"), finding("csp.missing")])
    assert result.score == 55
    assert (result.grade, result.cap) == ("D", None)


def test_the_score_never_goes_below_zero() -> None:
    ids = [i for i, modifier in scoring.SCORE_TABLE.items() if modifier < 0]
    assert scoring.grade([finding(i) for i in ids]).score == 0
