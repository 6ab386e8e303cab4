"""What the page of a scan under way says: the steps, how far the probes are, the time it took
so far, and, when no worker has picked the scan up for a while, that it is still waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from checker.model import Progress
from webui.models import Scan
from webui.rescans import seconds_words

STEP_LABELS = {
    "resolving": "Looking up the name and connecting",
    "answered": "First answer from the site",
    "probing": "Sending the probes",
    "analysing": "Reading the answers",
}


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"
    detail: str = ""


@dataclass(frozen=True)
class ProgressView:
    steps: tuple[Step, ...]
    waiting: str  # "waiting for a worker for 12 s"; empty once a worker runs it
    unclaimed: bool  # no worker has picked it up for SCAN_UNCLAIMED_WARNING seconds
    elapsed: str  # "running for 3 s"; empty while it waits


def _seconds(since: datetime | None, now: datetime) -> int:
    return max(0, int((now - since).total_seconds())) if since else 0


def progress_view(scan: Scan, now: datetime) -> ProgressView:
    if scan.status == Scan.Status.PENDING:
        waited = _seconds(scan.queued or scan.created, now)
        steps = tuple(Step(label, "todo") for label in STEP_LABELS.values())
        return ProgressView(
            steps=steps,
            waiting=seconds_words(waited),
            unclaimed=waited >= settings.SCAN_UNCLAIMED_WARNING,
            elapsed="",
        )
    told = scan.progress or {}
    step = told.get("step") if told.get("step") in Progress.STEPS else "resolving"
    current = Progress.STEPS.index(step)
    steps = []
    for index, (name, label) in enumerate(STEP_LABELS.items()):
        state = "done" if index < current else "current" if index == current else "todo"
        detail = ""
        if name == "probing" and told.get("planned"):
            detail = f"{told.get('answered', 0)} of {told['planned']} answered"
        steps.append(Step(label, state, detail))
    return ProgressView(
        steps=tuple(steps),
        waiting="",
        unclaimed=False,
        elapsed=seconds_words(_seconds(scan.started or scan.created, now)),
    )
