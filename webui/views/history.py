"""A target's history and the comparison of two of its scans."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from checker import Status as EngineStatus
from checker import compare as comparing
from checker.compare import Comparison
from checker.scoring import LETTERS
from webui.charts import ChartScan, grade_chart, utc
from webui.models import Scan, Target

HISTORY_LENGTH = 100
# Two drawings of one chart: the page shows the one that fits (see history.css).
WIDE_CHART = (720, 276)
NARROW_CHART = (340, 256)


@dataclass(frozen=True)
class HistoryRow:
    scan: Scan
    compare_url: str | None  # the comparison with the scan before it, when both have reports


def history_rows(scans: list[Scan]) -> list[HistoryRow]:
    """Newest first, each linked to the comparison with the nearest older scan that has a report."""
    rows = []
    for index, scan in enumerate(scans):
        older = next((s for s in scans[index + 1 :] if has_report(s)), None)
        url = None
        if older is not None and has_report(scan):
            url = reverse("compare", args=[older.token, scan.token])
        rows.append(HistoryRow(scan, url))
    return rows


def has_report(scan: Scan) -> bool:
    """Ended with an engine report (graded or not): something to compare."""
    return scan.status in (Scan.Status.DONE, Scan.Status.UNREACHABLE)


def chart_scans(scans: list[Scan]) -> list[ChartScan]:
    """Oldest first. A scan that failed on our side says nothing about the site: left out."""
    points = []
    for scan in reversed(scans):
        if scan.status == Scan.Status.DONE and scan.grade:
            points.append(ChartScan(utc(scan.created), scan.grade, scan.score))
        elif scan.status == Scan.Status.UNREACHABLE:
            points.append(ChartScan(utc(scan.created), None))
    return points


def target_history(request, token: str):
    target = get_object_or_404(Target.objects.select_related("site"), token=token)
    # Private scans are listed nowhere: a target known only from private scans has no history.
    public = target.scans.filter(private=False).defer("report")
    scans = list(public[:HISTORY_LENGTH])
    if not scans:
        raise Http404("No public scans of this target.")
    points = chart_scans(scans)
    context = {
        "target": target,
        "rows": history_rows(scans),
        "total": public.count() if len(scans) == HISTORY_LENGTH else len(scans),
        "wide": grade_chart(points, *WIDE_CHART),
        "narrow": grade_chart(points, *NARROW_CHART),
        "missed": sum(1 for point in points if point.grade is None),
    }
    return render(request, "webui/history.html", context)


class NotComparable(Exception):
    """Why two tokens make no comparison, in a sentence for the visitor."""


def _scans(a: str, b: str) -> tuple[Scan, Scan]:
    """The two scans, older first, once they exist, differ, share a target and have reports."""
    if a == b:
        raise NotComparable("Both codes name the same scan: a comparison needs two scans.")
    found = {s.token: s for s in Scan.objects.select_related("target").filter(token__in=(a, b))}
    for token in (a, b):
        if token not in found:
            raise NotComparable(f"There is no scan with the code {token}.")
    older, newer = sorted(found.values(), key=lambda scan: (scan.created, scan.pk))
    if older.target_id != newer.target_id:
        raise NotComparable(
            "These scans are of different targets, so their findings cannot be matched: "
            f"{older.target_url} and {newer.target_url}. Only scans of the same URL with the same "
            "options (frontend origin, grading) can be compared."
        )
    for scan in (older, newer):
        if scan.is_active:
            raise NotComparable(f"The scan {scan.token} has not finished yet; try again shortly.")
        if not scan.report:
            raise NotComparable(
                f"The scan {scan.token} failed on our side and has no report to compare."
            )
    return older, newer


def not_comparable(request, reason: str):
    response = render(request, "webui/compare_missing.html", {"reason": reason}, status=404)
    response.is_our_page = True  # not replaced by the generic 404 page
    return response


def compare(request, a: str, b: str):
    try:
        older, newer = _scans(a, b)
    except NotComparable as reason:
        return not_comparable(request, str(reason))
    if (older.token, newer.token) != (a, b):
        return redirect("compare", older.token, newer.token, permanent=True)
    result = comparing.compare(older.engine_report, newer.engine_report)
    target = older.target
    context = {
        "older": older,
        "newer": newer,
        "target": target,
        "comparison": result,
        "sections": sections(result),
        "story": story(result, older, newer),
        "changed_severity": len(result.worse) + len(result.better),
        "history": target.scans.filter(private=False).exists(),
    }
    return render(request, "webui/compare.html", context)


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    changes: tuple


def sections(result: Comparison) -> list[Section]:
    """New and fixed findings, then those whose severity changed; the unchanged ones apart."""
    return [
        Section("new", "New", "Found by the newer scan, not by the older one.", result.new),
        Section(
            "fixed", "Fixed", "Found by the older scan, gone from the newer one.", result.fixed
        ),
        Section("worse", "Worse", "The same finding, now more severe.", result.worse),
        Section("better", "Better", "The same finding, now less severe.", result.better),
    ]


def _unreached(scan: Scan, side: str) -> str:
    reason = f". {scan.error}" if scan.error else "."
    if scan.status == Scan.Status.FAILED:
        return f"The {side} scan failed on our side{reason}"
    return f"The {side} scan could not reach the site{reason}"


def story(result: Comparison, older: Scan, newer: Scan) -> list[str]:
    """The change at the top of the page in plain sentences, honest about what cannot be said."""
    if result.comparable:
        before, after = result.before_grade, result.after_grade
        scores = f"{result.before_score} to {result.after_score}"
        change = result.score_change or 0
        if result.grade_changed:
            went = "up" if LETTERS.index(after) < LETTERS.index(before) else "down"
            return [
                f"The grade went {went} from {before} to {after} (score {scores}, {change:+d})."
            ]
        if change:
            return [f"The grade stayed {after}; the score went from {scores} ({change:+d})."]
        return [f"The grade stayed {after} and the score {result.after_score}."]
    if result.before_status is EngineStatus.OK:
        return [
            _unreached(newer, "newer"),
            "With no answer to look at, no finding can be called fixed or new. "
            f"The older scan graded {result.before_grade}.",
        ]
    if result.after_status is EngineStatus.OK:
        return [
            _unreached(older, "older"),
            f"The site answered again and graded {result.after_grade}; there are no older "
            "findings to set its findings against.",
        ]
    return [_unreached(older, "older"), _unreached(newer, "newer")]
