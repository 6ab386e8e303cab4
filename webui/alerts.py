"""What a subscriber hears after a re-check: which mail, if any, and what it says.

Four mails (templates under templates/emails/): ``changes`` (the grade or a finding moved),
``no-change`` (only for subscribers who asked to hear every time), ``unreachable`` (once, when
the site stops answering) and ``recovered`` (when it answers again, compared with the last good
scan). Plain functions over rows and the engine's comparison, so every decision is tested
without sending anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse

from checker.analyze.evidence import plural
from checker.compare import Change, Comparison, compare
from checker.model import Severity
from webui.links import manage_url, unsubscribe_url
from webui.mail import absolute
from webui.models import Scan, Subscription
from webui.presenting import GRADE_COLOURS

SEVERITY_COLOURS = {
    Severity.CRITICAL: "#7a1a12",
    Severity.HIGH: "#b42318",
    Severity.MEDIUM: "#b54708",
    Severity.LOW: "#8a6d00",
    Severity.INFO: "#175cd3",
    Severity.PASS: "#067647",
}
NEUTRAL_COLOUR = "#475467"
KIND_LABELS = {"new": "New", "fixed": "Fixed", "worse": "Worse", "better": "Better"}
LONGEST_TITLE = 200
FREQUENCY_WORDS = {Subscription.Frequency.DAILY: "daily", Subscription.Frequency.WEEKLY: "weekly"}


@dataclass(frozen=True)
class ChangeLine:
    """One new, fixed or re-rated finding, as one line of a mail."""

    kind: str
    label: str  # "New", "Fixed", "Worse", "Better"
    severity: str  # "high", "low → high", "was medium"
    title: str
    subject: str
    colour: str  # of the line: the severity's for what got worse, green for what got better
    severity_colour: str  # of the severity named; grey for a finding that is gone

    @property
    def text(self) -> str:
        about = f" ({self.subject})" if self.subject else ""
        return f"{self.label}, {self.severity}: {self.title}{about}"


def one_line(text: str) -> str:
    """A value the target controls, safe to print on one line of a plain-text mail."""
    flat = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    return flat if len(flat) <= LONGEST_TITLE else flat[: LONGEST_TITLE - 1] + "…"


def is_news(change: Change) -> bool:
    """New, fixed or re-rated, and not just a passing check coming or going: the problem it
    stands for is listed already (a header added is the missing-header finding fixed)."""
    if change.kind in ("worse", "better"):
        return True
    if change.kind == "new":
        return change.after is not Severity.PASS
    if change.kind == "fixed":
        return change.before is not Severity.PASS
    return False


def change_line(change: Change) -> ChangeLine:
    if change.kind == "new":
        severity = change.after.value
    elif change.kind == "fixed":
        severity = f"was {change.before.value}"
    else:
        severity = f"{change.before.value} → {change.after.value}"
    improved = change.kind in ("fixed", "better")
    return ChangeLine(
        kind=change.kind,
        label=KIND_LABELS[change.kind],
        severity=severity,
        title=one_line(change.title),
        subject=one_line(change.subject),
        colour=SEVERITY_COLOURS[Severity.PASS] if improved else SEVERITY_COLOURS[change.severity],
        severity_colour=(
            NEUTRAL_COLOUR if change.kind == "fixed" else SEVERITY_COLOURS[change.severity]
        ),
    )


def change_lines(comparison: Comparison) -> list[ChangeLine]:
    return [change_line(change) for change in comparison.changes if is_news(change)]


def has_news(comparison: Comparison) -> bool:
    """Whether a subscriber who asked to hear only of changes must hear of this one."""
    return (
        comparison.before_grade != comparison.after_grade
        or comparison.before_score != comparison.after_score
        or any(is_news(change) for change in comparison.changes)
    )


def counts_in_words(lines: list[ChangeLine]) -> str:
    """ "2 new findings, 1 fixed" — for a subject line when the grade stayed."""
    words = []
    for kind, noun in (("new", "new finding"), ("fixed", ""), ("worse", ""), ("better", "")):
        count = sum(line.kind == kind for line in lines)
        if count:
            words.append(plural(count, noun) if noun else f"{count} {kind}")
    return ", ".join(words) or "score changed"


def target_name(url: str) -> str:
    """How a mail names a target: ``https://example.com/api/`` is ``example.com/api``."""
    return re.sub(r"^https?://", "", url).rstrip("/") or url


def options_in_words(frontend_origin: str, profile: str) -> str:
    """The scan options a target adds to its URL, for a mail's footer; "" when there are none."""
    words = []
    if frontend_origin:
        words.append(f"frontend origin {frontend_origin}")
    if profile:
        words.append("graded as an API" if profile == "api" else "graded as a page")
    return ", ".join(words)


def grade_colour(grade: str | None) -> str:
    return GRADE_COLOURS.get(grade or "", NEUTRAL_COLOUR)


def report_link(scan: Scan) -> str:
    return absolute(scan.get_absolute_url())


def message_for(
    subscription: Subscription, before: Scan | None, after: Scan, was_reachable: bool | None
) -> tuple[str, dict] | None:
    """The mail (template name, context) that tells the subscriber how ``after`` went, given
    the scan they last heard about and whether the site answered then; None: nothing to tell.
    """
    if after.status == Scan.Status.UNREACHABLE:
        if was_reachable is False:
            return None  # they have been told, and nothing has changed since
        return "unreachable", context(subscription, before, after, None)
    if after.status != Scan.Status.DONE:
        return None
    base = before if before is not None and before.status == Scan.Status.DONE else None
    comparison = compare(base.engine_report, after.engine_report) if base else None
    if was_reachable is False:
        return "recovered", context(subscription, base, after, comparison)
    if comparison is None:
        return None  # nothing to compare with: this scan becomes the starting point
    if has_news(comparison):
        return "changes", context(subscription, base, after, comparison)
    if subscription.mode == Subscription.Mode.EVERY:
        return "no-change", context(subscription, base, after, comparison)
    return None


def context(
    subscription: Subscription,
    before: Scan | None,
    after: Scan,
    comparison: Comparison | None,
) -> dict:
    target = subscription.target
    lines = change_lines(comparison) if comparison is not None else []
    score_moved = comparison is not None and comparison.before_score != comparison.after_score
    return {
        "name": target_name(target.url),
        "target": target,
        "options": options_in_words(target.frontend_origin, target.profile),
        "subscription": subscription,
        "frequency": FREQUENCY_WORDS[subscription.frequency],
        "every_time": subscription.mode == Subscription.Mode.EVERY,
        "before": before,
        "after": after,
        "comparison": comparison,
        "lines": lines,
        "counts": counts_in_words(lines),
        "score_moved": score_moved,
        "before_colour": grade_colour(before.grade if before else None),
        "after_colour": grade_colour(after.grade),
        "before_url": report_link(before) if before else "",
        "after_url": report_link(after),
        "compare_url": (
            absolute(reverse("compare", args=[before.token, after.token])) if before else ""
        ),
        "history_url": absolute(target.get_absolute_url()),
        "unsubscribe_url": unsubscribe_url(subscription),
        "manage_url": manage_url(subscription.email),
    }
