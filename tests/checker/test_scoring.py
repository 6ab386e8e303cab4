"""The scoring table against the analyzers, and the grading rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker import scoring
from checker.analyze import cors_origins, cross_origin
from checker.model import Finding, Severity

ANALYZE_DIR = Path(scoring.__file__).parent / "analyze"
AREAS = "|".join(
    [
        "cors",
        "hsts",
        "csp",
        "framing",
        "xcto",
        "referrer",
        "permissions",
        "cross-origin",
        "cookie",
        "disclosure",
        "deprecated",
        "redirect",
        "https",
        "sri",
        "tls",
    ]
)
LITERAL_ID = re.compile(rf'"((?:{AREAS})\.[a-z0-9]+(?:-[a-z0-9]+)*)"')


def emitted_ids() -> set[str]:
    """Every id an analyzer can emit: literals in the sources plus the two table-built families."""
    ids: set[str] = set()
    for path in ANALYZE_DIR.glob("*.py"):
        ids.update(LITERAL_ID.findall(path.read_text()))
    for rule in cors_origins.TRUST_RULES:
        ids.update({rule.finding, f"{rule.finding}-credentials"})
    for header in (cross_origin.COOP, cross_origin.COEP, cross_origin.CORP):
        ids.update(f"cross-origin.{header.short}-{end}" for end in ("missing", "invalid", "ok"))
    return ids


def test_every_id_an_analyzer_can_emit_has_a_row() -> None:
    missing = sorted(emitted_ids() - set(scoring.SCORE_TABLE))
    assert missing == []


def test_the_table_has_no_row_for_an_id_nothing_emits() -> None:
    assert sorted(set(scoring.SCORE_TABLE) - emitted_ids()) == []


def test_every_cap_names_a_known_id_and_letter() -> None:
    assert set(scoring.GRADE_CAPS) <= set(scoring.SCORE_TABLE)
    assert set(scoring.GRADE_CAPS.values()) <= set(scoring.LETTERS)


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
