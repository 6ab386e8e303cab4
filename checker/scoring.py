"""Grading as data: a modifier per finding id, grade cut-offs and caps. Small code reads them."""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import Finding, ScoreLine

ALGORITHM_VERSION = 1
BASE_SCORE = 100

# finding id -> score modifier. A finding absent from this table scores 0 (information only);
# tests/checker/test_scoring.py fails when an analyzer emits an id missing here.
SCORE_TABLE: dict[str, int] = {
    "cors.none": 0,
    "cors.wildcard": -5,
    "cors.reflect-origin": -25,
    "cors.reflect-origin-credentials": -50,
    "hsts.missing": -20,
    "xcto.missing": -5,
    "framing.missing": -20,
    "tls.certificate-invalid": -50,
}

# (lowest score for the grade, grade), best first.
GRADE_CUTOFFS: tuple[tuple[int, str], ...] = (
    (100, "A+"),
    (90, "A"),
    (80, "B"),
    (70, "C"),
    (60, "D"),
    (0, "F"),
)

# finding id -> the best grade a report with that finding can get.
GRADE_CAPS: dict[str, str] = {
    "cors.reflect-origin-credentials": "F",
    "tls.certificate-invalid": "F",
}


@dataclass(frozen=True)
class Grade:
    score: int
    grade: str
    lines: tuple[ScoreLine, ...]
    cap: str | None


def letter_for(score: int) -> str:
    for cutoff, letter in GRADE_CUTOFFS:
        if score >= cutoff:
            return letter
    return GRADE_CUTOFFS[-1][1]


def _worse(a: str, b: str) -> str:
    order = [letter for _, letter in GRADE_CUTOFFS]
    return a if order.index(a) > order.index(b) else b


def grade(findings: list[Finding] | tuple[Finding, ...]) -> Grade:
    lines = tuple(
        ScoreLine(finding.id, SCORE_TABLE.get(finding.id, 0))
        for finding in findings
        if SCORE_TABLE.get(finding.id, 0) != 0
    )
    score = max(0, BASE_SCORE + sum(line.modifier for line in lines))
    letter = letter_for(score)
    cap = None
    for finding in findings:
        capped = GRADE_CAPS.get(finding.id)
        if capped is not None and _worse(capped, letter) == capped and capped != letter:
            cap = capped if cap is None else _worse(cap, capped)
    if cap is not None:
        letter = _worse(letter, cap)
    return Grade(score=score, grade=letter, lines=lines, cap=cap)
