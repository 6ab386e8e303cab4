"""The grade-over-time chart's geometry, as numbers a template turns into SVG.

Pure and without Django: the history page draws it on the server (our CSP allows no inline style
and no script is needed), and the tests check the numbers. Time runs left to right in proportion;
the grades are horizontal bands, A+ on top; a scan that reached nothing breaks the line and is
marked at its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from checker.scoring import LETTERS

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Tick spacings to choose from, finest first: (kind, how many of it).
STEPS: tuple[tuple[str, int], ...] = (
    ("hour", 1),
    ("hour", 3),
    ("hour", 6),
    ("hour", 12),
    ("day", 1),
    ("day", 2),
    ("week", 1),
    ("week", 2),
    ("month", 1),
    ("month", 3),
    ("month", 6),
    ("year", 1),
    ("year", 2),
    ("year", 5),
    ("year", 10),
)
TICK_SPACING = 80  # the least room, in chart units, one tick label needs
FEW_TICKS = 4


@dataclass(frozen=True)
class ChartScan:
    when: datetime
    grade: str | None  # None: the scan could not reach the site
    score: int | None = None


@dataclass(frozen=True)
class Band:
    letter: str
    slug: str  # "a-plus" for CSS
    y: float
    height: float
    middle: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # the time at this tick
    context: str  # the larger unit (the day, the year), shown where it changes; else ""
    when: datetime


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    letter: str
    slug: str
    title: str


@dataclass(frozen=True)
class Miss:
    x: float
    title: str
    mark: str  # SVG path of the cross drawn on the time axis


@dataclass(frozen=True)
class GradeChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bands: tuple[Band, ...]
    ticks: tuple[Tick, ...]
    dots: tuple[Dot, ...]
    misses: tuple[Miss, ...]
    lines: tuple[str, ...]  # polyline points, one per run of graded scans between misses
    summary: str  # the chart in words, for screen readers

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def label_x(self) -> float:
        return self.left - 8

    @property
    def value_title_x(self) -> float:
        """Where the value axis's title ("Grade", turned upright) sits, left of the letters."""
        return 12.0

    @property
    def value_title_y(self) -> float:
        return round((self.top + self.bottom) / 2, 2)

    @property
    def time_title_x(self) -> float:
        return round((self.left + self.right) / 2, 2)

    @property
    def time_title_y(self) -> float:
        return self.bottom + 51

    @property
    def tick_y(self) -> float:
        return self.bottom + 16

    @property
    def context_y(self) -> float:
        return self.bottom + 33


def grade_slug(letter: str) -> str:
    return letter.lower().replace("+", "-plus")


def day_text(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"


def _floor(when: datetime, kind: str, count: int) -> datetime:
    """The last tick at or before ``when`` for this spacing, on calendar boundaries (UTC)."""
    if kind == "hour":
        return when.replace(minute=0, second=0, microsecond=0, hour=when.hour - when.hour % count)
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "day":
        return day
    if kind == "week":
        return day - timedelta(days=day.weekday())  # Mondays
    if kind == "month":
        return day.replace(day=1, month=when.month - (when.month - 1) % count)
    return day.replace(day=1, month=1, year=when.year - when.year % count)


def _next(when: datetime, kind: str, count: int) -> datetime:
    if kind == "hour":
        return when + count * HOUR
    if kind == "day":
        return when + count * DAY
    if kind == "week":
        return when + count * 7 * DAY
    if kind == "month":
        months = when.month - 1 + count
        return when.replace(year=when.year + months // 12, month=months % 12 + 1)
    return when.replace(year=when.year + count)


def _ticks_between(start: datetime, end: datetime, kind: str, count: int) -> list[datetime]:
    found = []
    at = _floor(start, kind, count)
    while at <= end:
        if at >= start:
            found.append(at)
        at = _next(at, kind, count)
    return found


def _labels(when: datetime, kind: str) -> tuple[str, str]:
    if kind == "hour":
        return f"{when:%H:%M}", f"{when.day} {when:%b}"
    if kind in ("day", "week"):
        return f"{when.day} {when:%b}", f"{when.year}"
    if kind == "month":
        return f"{when:%b}", f"{when.year}"
    return f"{when.year}", ""


def time_ticks(start: datetime, end: datetime, most: int) -> list[tuple[datetime, str, str]]:
    """At most ``most`` ticks on round times between start and end, with their labels.

    The larger unit (day or year) is given on the first
    tick and wherever it changes, so "14:00" or "3 Mar" is never ambiguous.
    """
    most = max(most, 2)
    fitting = [
        (kind, found)
        for kind, count in STEPS
        if len(found := _ticks_between(start, end, kind, count)) <= most
    ]
    if not fitting:  # a span beyond every spacing: the coarsest, however crowded
        kind, count = STEPS[-1]
        fitting = [(kind, _ticks_between(start, end, kind, count))]
    # The coarsest spacing that still gives a few ticks reads best ("3 Dec" over "00:00");
    # when none gives that many, the finest that fits.
    enough = [choice for choice in fitting if len(choice[1]) >= min(FEW_TICKS, most)]
    kind, found = enough[-1] if enough else fitting[0]
    ticks = []
    shown = None
    for at in found:
        label, context = _labels(at, kind)
        ticks.append((at, label, context if context != shown else ""))
        shown = context
    return ticks


def _summary(scans: list[ChartScan]) -> str:
    graded = [scan for scan in scans if scan.grade]
    missed = len(scans) - len(graded)
    first, last = scans[0].when, scans[-1].when
    span = (
        day_text(first) if first.date() == last.date() else f"{day_text(first)} to {day_text(last)}"
    )
    words = [f"Grade over time: {len(scans)} scans, {span}."]
    if graded:
        letters = [scan.grade for scan in graded]
        best = min(letters, key=LETTERS.index)
        worst = max(letters, key=LETTERS.index)
        words.append(
            f"The first graded {letters[0]}, the latest {letters[-1]}; best {best}, worst {worst}."
        )
    if missed:
        words.append(
            "1 scan could not reach the site."
            if missed == 1
            else f"{missed} scans could not reach the site."
        )
    return " ".join(words)


def grade_chart(scans: list[ChartScan], width: int = 720, height: int = 240) -> GradeChart | None:
    """The chart of these scans (oldest first), or None when fewer than two make a chart."""
    if len(scans) < 2:
        return None
    # Room on the left for the axis title and the letters, below for two rows of dates and the
    # time axis's title.
    left, right, top, bottom = 52.0, width - 16.0, 8.0, height - 56.0
    band_height = (bottom - top) / len(LETTERS)
    bands = tuple(
        Band(
            letter,
            grade_slug(letter),
            round(top + i * band_height, 2),
            round(band_height, 2),
            round(top + (i + 0.5) * band_height, 2),
        )
        for i, letter in enumerate(LETTERS)
    )
    middle = {band.letter: band.middle for band in bands}

    start, end = scans[0].when, scans[-1].when
    if end - start < HOUR:  # all at once: give the time axis an hour around them
        start, end = start - HOUR / 2, end + HOUR / 2
    inset = 12.0  # keep dots off the axis ends
    span = (end - start).total_seconds()

    def x_of(when: datetime) -> float:
        share = (when - start).total_seconds() / span
        return round(left + inset + share * (right - left - 2 * inset), 2)

    dots: list[Dot] = []
    misses: list[Miss] = []
    lines: list[str] = []
    run: list[str] = []
    for scan in scans:
        x = x_of(scan.when)
        when = f"{day_text(scan.when)}, {scan.when:%H:%M} UTC"
        if scan.grade in middle:
            letter = scan.grade
            score = f" ({scan.score}/100)" if scan.score is not None else ""
            dots.append(
                Dot(x, middle[letter], letter, grade_slug(letter), f"{letter}{score}, {when}")
            )
            run.append(f"{x},{middle[letter]}")
            continue
        cross = f"M{x - 5},{bottom - 5} l10,10 m0,-10 l-10,10"
        misses.append(Miss(x, f"Could not reach the site, {when}", cross))
        if len(run) > 1:
            lines.append(" ".join(run))
        run = []
    if len(run) > 1:
        lines.append(" ".join(run))

    most = int((right - left) // TICK_SPACING)
    ticks = tuple(
        Tick(x_of(at), label, context, at) for at, label, context in time_ticks(start, end, most)
    )
    return GradeChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bands=bands,
        ticks=ticks,
        dots=tuple(dots),
        misses=tuple(misses),
        lines=tuple(lines),
        summary=_summary(scans),
    )


def utc(when: datetime) -> datetime:
    """Charts are drawn in UTC, like the dates on the pages."""
    return when.astimezone(UTC)
