"""Grading as data: a modifier per finding id, grade cut-offs and caps. Small code reads them.

A report starts at ``BASE_SCORE``. Every finding whose id has a negative modifier subtracts it.
Positive modifiers are bonuses for configurations beyond the usual, and count only when the
penalties left the score at ``BONUS_FLOOR`` or above — a site cannot buy back a missing basic
protection with an exotic one. The letter comes from ``GRADE_CUTOFFS``; a finding listed in
``GRADE_CAPS`` then limits the letter, whatever the score (one reflected origin with credentials
is enough to lose every user's data, however good the other headers are).

The modifiers and caps live in the findings catalogue, one row per finding; an API answer is
weighed by the api profile (rows that do not apply to it cost nothing). Raise ``ALGORITHM_VERSION``
whenever a number here or in the catalogue changes: it is stored with every scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.findings import CATALOGUE, PAGE, ROWS
from checker.model import Finding, ScoreLine

ALGORITHM_VERSION = 5
BASE_SCORE = 100
BONUS_FLOOR = 90

# Views of the findings catalogue (checker/findings.py), which holds each finding's modifier and
# cap beside everything else about it. These are the page profile's numbers; ``grade`` reads the
# profile's own weight from the row.
SCORE_TABLE: dict[str, int] = {row.id: row.modifier for row in ROWS}

# (lowest score for the letter, letter), best first.
GRADE_CUTOFFS: tuple[tuple[int, str], ...] = (
    (100, "A+"),
    (90, "A"),
    (80, "B"),
    (65, "C"),
    (50, "D"),
    (0, "F"),
)

# finding id -> the best letter a report with that finding can get.
GRADE_CAPS: dict[str, str] = {row.id: row.cap for row in ROWS if row.cap is not None}

LETTERS = tuple(letter for _, letter in GRADE_CUTOFFS)


@dataclass(frozen=True)
class Grade:
    score: int
    grade: str
    lines: tuple[ScoreLine, ...]  # every finding that moved the score, in report order
    cap: str | None  # the letter a capping finding imposed, when it lowered the grade


def letter_for(score: int) -> str:
    for cutoff, letter in GRADE_CUTOFFS:
        if score >= cutoff:
            return letter
    return LETTERS[-1]


def worst(letters: list[str]) -> str:
    return max(letters, key=LETTERS.index)


def modifier(finding_id: str, profile: str = PAGE) -> int:
    row = CATALOGUE.get(finding_id)
    return row.weight(profile).modifier if row is not None and row.applies(profile) else 0


def grade(findings: list[Finding] | tuple[Finding, ...], profile: str = PAGE) -> Grade:
    """Grade the findings as the profile weighs them; rows that do not apply to it score 0."""
    ids = list(dict.fromkeys(finding.id for finding in findings))  # each id counts once
    weights = {i: modifier(i, profile) for i in ids}
    penalties = [ScoreLine(i, weights[i]) for i in ids if weights[i] < 0]
    score = BASE_SCORE + sum(line.modifier for line in penalties)
    bonuses = [ScoreLine(i, weights[i]) for i in ids if weights[i] > 0]
    if score >= BONUS_FLOOR:
        score += sum(line.modifier for line in bonuses)
    else:
        bonuses = []
    score = max(0, score)
    letter = letter_for(score)
    caps = [GRADE_CAPS[i] for i in ids if i in GRADE_CAPS]
    cap = worst(caps) if caps else None
    if cap is not None and LETTERS.index(cap) > LETTERS.index(letter):
        letter = cap
    else:
        cap = None
    return Grade(score=score, grade=letter, lines=tuple(penalties + bonuses), cap=cap)
