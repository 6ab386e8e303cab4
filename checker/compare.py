"""What changed between two reports of one target: new, fixed, worse, better and unchanged findings.

Findings are matched by id and subject, never by title: a title names the site's own values (a
version, a count) and may change while the finding does not. The subject is what one finding is
about (a cookie, an origin, a header, a resource), read from the facts as its catalogue row says
(``Row.subject`` and ``SUBJECTS`` in checker.findings). A finding about several cookies becomes one
change per cookie, so a comparison says which cookie was fixed and which is new.

Only two reports that both reached the site have findings to compare; otherwise the comparison
says how reachability changed and lists no findings. Pure, so the page, the emails and the API
share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.findings import CATALOGUE, SUBJECTS
from checker.model import Finding, Report, Severity, Status

NEW, FIXED, WORSE, BETTER, UNCHANGED = "new", "fixed", "worse", "better", "unchanged"
KINDS = (NEW, FIXED, WORSE, BETTER, UNCHANGED)

# Header names as people write them, where capitalising each word gets them wrong.
HEADER_WORDS = {"ct": "CT", "xss": "XSS", "aspnet": "AspNet", "aspnetmvc": "AspNetMvc"}


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    id: str
    subject: str  # "" when the finding is about the target as a whole
    title: str  # the newer report's title (the older one's for a fixed finding)
    before: Severity | None  # None for a new finding
    after: Severity | None  # None for a fixed finding
    glossary: str = ""  # slug of the entry that explains the finding

    @property
    def severity(self) -> Severity:
        """The severity that matters for this change: the newer one, or the older when fixed."""
        return self.after or self.before  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "subject": self.subject,
            "title": self.title,
            "before": None if self.before is None else self.before.value,
            "after": None if self.after is None else self.after.value,
            "glossary": self.glossary,
        }


@dataclass(frozen=True)
class Comparison:
    before_status: Status
    after_status: Status
    before_grade: str | None
    after_grade: str | None
    before_score: int | None
    after_score: int | None
    changes: tuple[Change, ...]  # by kind in KINDS order, worst first within each kind
    before_version: int = 1  # the grading algorithm of each report
    after_version: int = 1

    def _of(self, kind: str) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.kind == kind)

    @property
    def new(self) -> tuple[Change, ...]:
        return self._of(NEW)

    @property
    def fixed(self) -> tuple[Change, ...]:
        return self._of(FIXED)

    @property
    def worse(self) -> tuple[Change, ...]:
        return self._of(WORSE)

    @property
    def better(self) -> tuple[Change, ...]:
        return self._of(BETTER)

    @property
    def unchanged(self) -> tuple[Change, ...]:
        return self._of(UNCHANGED)

    @property
    def comparable(self) -> bool:
        """Both reports reached the site, so their findings can be set side by side."""
        return self.before_status is Status.OK and self.after_status is Status.OK

    @property
    def versions_differ(self) -> bool:
        """The grading rules changed between the two: a grade may move with nothing on the site."""
        return self.before_version != self.after_version

    @property
    def grade_changed(self) -> bool:
        return self.before_grade != self.after_grade

    @property
    def score_change(self) -> int | None:
        if self.before_score is None or self.after_score is None:
            return None
        return self.after_score - self.before_score

    @property
    def status_changed(self) -> bool:
        return self.before_status != self.after_status

    @property
    def changed(self) -> bool:
        """Anything a subscriber who asked to hear only of changes must hear about."""
        return (
            self.grade_changed
            or self.before_score != self.after_score
            or self.status_changed
            or any(change.kind != UNCHANGED for change in self.changes)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": {
                "status": self.before_status.value,
                "grade": self.before_grade,
                "score": self.before_score,
                "algorithm_version": self.before_version,
            },
            "after": {
                "status": self.after_status.value,
                "grade": self.after_grade,
                "score": self.after_score,
                "algorithm_version": self.after_version,
            },
            "comparable": self.comparable,
            "versions_differ": self.versions_differ,
            "grade_changed": self.grade_changed,
            "changed": self.changed,
            "counts": {kind: len(self._of(kind)) for kind in KINDS},
            "changes": [change.to_dict() for change in self.changes],
        }


def header_name(name: str) -> str:
    """``x-powered-by`` as people write it: ``X-Powered-By``."""
    return "-".join(HEADER_WORDS.get(word, word.capitalize()) for word in name.lower().split("-"))


def subjects(finding: Finding) -> tuple[str, ...]:
    """What the finding is about, one entry per thing; ``("",)`` for the target as a whole.

    An id the catalogue does not know (a report from another engine version) is about the whole
    target, as is a finding whose facts name none of its subjects.
    """
    row = CATALOGUE.get(finding.id)
    kind = SUBJECTS.get(row.subject) if row is not None else None
    if kind is None:
        return ("",)
    keys = kind.keys or row.evidence  # type: ignore[union-attr]
    named: list[str] = []
    for key, value in finding.facts:
        if key.lower() not in keys:
            continue
        name = header_name(key) if kind.by_key else value
        named.append(f"{kind.label or key} {name}")
    return tuple(dict.fromkeys(named)) or ("",)


def _by_subject(report: Report) -> dict[tuple[str, str], Finding]:
    """Each (id, subject) once; where one repeats, the worse finding stands for it."""
    found: dict[tuple[str, str], Finding] = {}
    for finding in report.findings:
        for subject in subjects(finding):
            key = (finding.id, subject)
            held = found.get(key)
            if held is None or finding.severity.rank < held.severity.rank:
                found[key] = finding
    return found


def _changes(before: Report, after: Report) -> list[Change]:
    old, new = _by_subject(before), _by_subject(after)
    changes: list[Change] = []
    for key, finding in new.items():
        was = old.get(key)
        if was is None:
            kind = NEW
        elif finding.severity == was.severity:
            kind = UNCHANGED
        else:
            kind = WORSE if finding.severity.rank < was.severity.rank else BETTER
        before_severity = None if was is None else was.severity
        changes.append(
            Change(
                kind,
                key[0],
                key[1],
                finding.title,
                before_severity,
                finding.severity,
                finding.glossary,
            )
        )
    for key, finding in old.items():
        if key not in new:
            changes.append(
                Change(
                    FIXED, key[0], key[1], finding.title, finding.severity, None, finding.glossary
                )
            )
    return changes


def _order(change: Change) -> tuple[int, int, str, str]:
    return (KINDS.index(change.kind), change.severity.rank, change.id, change.subject)


def compare(before: Report, after: Report) -> Comparison:
    """How ``after`` differs from ``before`` (the older report first)."""
    both_reached = before.status is Status.OK and after.status is Status.OK
    changes = sorted(_changes(before, after), key=_order) if both_reached else []
    return Comparison(
        before_status=before.status,
        after_status=after.status,
        before_grade=before.grade,
        after_grade=after.grade,
        before_score=before.score,
        after_score=after.score,
        changes=tuple(changes),
        before_version=before.algorithm_version,
        after_version=after.algorithm_version,
    )
