"""What each browser does with a legitimate frontend's usual requests, from a finished scan.

The report's "In each browser" section: for the origin the site most likely trusts (the user's
frontend, else the site's own origin, as ``cors_matrix.trusted_origin`` picks it), three
requests a frontend typically makes to the final URL, each run through the simulator's
Chromium, Firefox and WebKit profiles. Nothing is sent: the answers are the ones the scan
recorded, the GET and the preflight it sent from that origin (``cors.get.<label>``,
``cors.preflight.<label>``) and, for a same-origin request, the final page itself. The scan
never sends a PUT, so the GET from the same origin stands in for the actual PUT's answer.

Pure: from a ``Report`` to small frozen dataclasses that a page, the API and the CLI show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from checker.cors_matrix import (
    FRONTEND,
    GET_PREFIX,
    PREFLIGHT_METHOD,
    PREFLIGHT_PREFIX,
    SELF,
    url_origin,
)
from checker.cors_vocabulary import normalise_origin
from checker.model import Exchange, Report, Response, Status
from checker.simulate import NoResponse, Outgoing, SimRequest, Verdict, simulate

# The requests a frontend typically makes, in the order shown.
CREDENTIALED_GET = "credentialed-get"
PLAIN_GET = "get"
PREFLIGHTED = "preflighted"
# Short names for the table; ``Verdict.label`` is the long one.
NAMES = {"chromium": "Chromium", "firefox": "Firefox", "webkit": "Safari (WebKit)"}

_CREDENTIALS_NOTE = "fetch(url, {credentials: 'include'})"
_PLAIN_NOTE = "fetch(url)"
_PREFLIGHTED_NOTE = (
    f"fetch(url, {{method: '{PREFLIGHT_METHOD}', headers: {{'Content-Type': 'application/json',"
    " 'Authorization': 'Bearer …'}, body})"
)
STAND_IN_NOTE = (
    f"A scan never sends a {PREFLIGHT_METHOD}: the preflight's answer is the one it recorded, and"
    f" the answer to its GET from the same origin stands in for the {PREFLIGHT_METHOD}'s own."
)


@dataclass(frozen=True)
class BrowserRow:
    """One browser's verdict on one request."""

    browser: str  # "chromium", "firefox", "webkit"
    name: str  # "Chromium", "Firefox", "Safari (WebKit)"
    label: str  # "Chromium (Chrome, Edge, Opera)"
    outcome: str  # "allowed", "ask" (allowed if the user grants a permission), "blocked", "unknown"
    failure: str | None  # the simulator's failure id, when blocked
    explanation: str | None  # why it is blocked, in our words
    # What this browser prints in its console: the error line when it blocks, the warnings it
    # prints although it allows. Empty when it prints nothing about CORS.
    console: tuple[str, ...]
    # Blocked, but nobody has recorded this browser's wording for the failure yet.
    console_unrecorded: bool
    preflight_seconds: int | None  # how long it keeps the preflight, when one was sent

    @property
    def preflight_kept(self) -> str | None:
        """``2 h``; ``not at all`` for 0; None when no preflight was sent."""
        if self.preflight_seconds is None:
            return None
        return duration(self.preflight_seconds) if self.preflight_seconds else "not at all"

    @property
    def allowed(self) -> bool:
        return self.outcome in ("allowed", "ask")


@dataclass(frozen=True)
class RequestOutcome:
    """One typical request and each browser's verdict on it."""

    key: str  # CREDENTIALED_GET, PLAIN_GET or PREFLIGHTED
    title: str  # "GET with cookies"
    call: str  # the fetch() call, as a script would write it
    rows: tuple[BrowserRow, ...]
    headline: str  # "blocked in every browser", "allowed in every browser", "it depends …"
    differences: str | None  # one line, when the browsers (or the standard) part ways
    note: str | None = None  # where an answer came from, when it is a stand-in


@dataclass(frozen=True)
class BrowserOutcomes:
    """The section as a whole: from which origin, to which URL, and the requests."""

    origin: str
    origin_kind: str  # "frontend" (the user's) or "self" (the site's own, none was given)
    url: str
    same_origin: bool  # the origin is the URL's own: browsers apply no CORS check at all
    requests: tuple[RequestOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def browser_outcomes(report: Report) -> BrowserOutcomes | None:
    """The section for a finished scan; None when there is no final answer to judge."""
    if report.status is not Status.OK or not report.chain:
        return None
    final = report.find_exchange(report.chain[-1])
    if final is None or final.response is None:
        return None
    url = final.request.url
    origin, kind = _trusted(report, url)
    same_origin = origin == url_origin(url)
    get = preflight = None
    for label in (FRONTEND, SELF):  # a frontend that is the site's own origin is probed as self
        found = report.find_exchange(GET_PREFIX + label)
        if found is not None and found.request.header("origin") == origin:
            get, preflight = found, report.find_exchange(PREFLIGHT_PREFIX + label)
            break
    answer = _answer(final.response, get, preflight, same_origin)
    requests = (
        SimRequest(origin, url, "GET", credentials="include"),
        SimRequest(origin, url, "GET"),
        SimRequest(
            origin,
            url,
            PREFLIGHT_METHOD,
            headers=(("Content-Type", "application/json"), ("Authorization", "Bearer token")),
            body=True,
        ),
    )
    keys = (CREDENTIALED_GET, PLAIN_GET, PREFLIGHTED)
    titles = (
        "GET with cookies",
        "GET without credentials",
        f"{PREFLIGHT_METHOD} with JSON and Authorization",
    )
    calls = (_CREDENTIALS_NOTE, _PLAIN_NOTE, _PREFLIGHTED_NOTE)
    outcomes = []
    for key, title, call, request in zip(keys, titles, calls, requests, strict=True):
        verdict = simulate(request, answer)
        note = STAND_IN_NOTE if key == PREFLIGHTED and not same_origin else None
        rows = tuple(_row(browser) for browser in verdict.browsers)
        outcomes.append(
            RequestOutcome(key, title, call, rows, headline(rows), differences(verdict, rows), note)
        )
    return BrowserOutcomes(origin, kind, url, same_origin, tuple(outcomes))


def _trusted(report: Report, url: str) -> tuple[str, str]:
    if report.frontend_origin:
        return normalise_origin(report.frontend_origin), FRONTEND
    return url_origin(url), SELF


def _recorded(exchange: Exchange | None) -> Response | NoResponse | None:
    if exchange is None:
        return None  # not probed: the verdict says it cannot tell
    if exchange.response is None:
        return NoResponse(exchange.error or "no answer")
    return exchange.response


def _answer(final: Response, get: Exchange | None, preflight: Exchange | None, same_origin: bool):
    """The recorded answers, as the simulator asks for them; None for anything not recorded
    (a redirect the GET from the origin was answered with, for one)."""

    def answer(outgoing: Outgoing) -> Response | NoResponse | None:
        if outgoing.hop:
            return None
        if outgoing.kind == "preflight":
            return _recorded(preflight)
        return final if same_origin else _recorded(get)

    return answer


def _row(verdict: Verdict) -> BrowserRow:
    if not verdict.complete:
        outcome = "unknown"
    elif not verdict.allowed:
        outcome = "blocked"
    else:
        outcome = "ask" if verdict.permission is not None else "allowed"
    console: tuple[str, ...] = verdict.console_warnings
    if outcome == "blocked" and verdict.console_message:
        console = (verdict.console_message, *console)
    cached = [entry.seconds for entry in verdict.preflight_cache if entry.hop == 0]
    return BrowserRow(
        browser=verdict.rules,
        name=NAMES.get(verdict.rules, verdict.label),
        label=verdict.label,
        outcome=outcome,
        failure=verdict.failure.id if verdict.failure else None,
        explanation=verdict.failure.explanation if verdict.failure else None,
        console=console,
        console_unrecorded=outcome == "blocked" and not verdict.console_message,
        preflight_seconds=cached[0] if cached else None,
    )


def headline(rows: tuple[BrowserRow, ...]) -> str:
    outcomes = {row.outcome for row in rows}
    if outcomes == {"allowed"}:
        return "allowed in every browser"
    if outcomes == {"blocked"}:
        return "blocked in every browser"
    if outcomes == {"ask"}:
        return "allowed in every browser once the user gives permission"
    if outcomes == {"unknown"}:
        return "not known: the scan did not record every answer it needs"
    return "it depends on the browser"


def _labels(rows: list[BrowserRow]) -> str:
    names = [row.name for row in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def duration(seconds: int) -> str:
    """``7200`` → ``2 h``, ``600`` → ``10 min``, ``5`` → ``5 s``."""
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def differences(verdict: Verdict, rows: tuple[BrowserRow, ...]) -> str | None:
    """Where the engines part ways on this request, in one line; None when they agree."""
    parts: list[str] = []
    if len({row.outcome for row in rows}) > 1:
        groups: dict[str, list[BrowserRow]] = {}
        for row in rows:
            groups.setdefault(row.outcome, []).append(row)
        words = {
            "allowed": "allowed in",
            "ask": "allowed only with the user's permission in",
            "blocked": "blocked in",
            "unknown": "not known in",
        }
        parts.append("; ".join(f"{words[o]} {_labels(group)}" for o, group in groups.items()))
    elif rows and rows[0].outcome == "blocked" and len({row.failure for row in rows}) > 1:
        reasons = ", ".join(f"{row.name}: {row.failure}" for row in rows)
        parts.append(f"all block it, for different reasons ({reasons})")
    warned = [row for row in rows if row.allowed and row.console]
    if warned and len(warned) < len(rows):
        verb = "prints" if len(warned) == 1 else "print"
        parts.append(f"{_labels(warned)} {verb} a warning although it allows the request")
    kept = {row.preflight_seconds for row in rows if row.preflight_seconds is not None}
    if len(kept) > 1:
        times = ", ".join(
            f"{row.name} {duration(row.preflight_seconds)}"
            for row in rows
            if row.preflight_seconds is not None
        )
        parts.append(f"each keeps the preflight for its own time ({times})")
    browsers_allow = {row.allowed for row in rows if row.outcome != "unknown"}
    if verdict.complete and browsers_allow == {not verdict.allowed}:
        side = "blocks" if not verdict.allowed else "allows"
        parts.append(f"the Fetch standard {side} it, unlike every browser")
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def text_lines(report: Report) -> list[str]:
    """The section for the command line's text output: a line per request."""
    outcomes = browser_outcomes(report)
    if outcomes is None:
        return []
    whose = "your frontend" if outcomes.origin_kind == FRONTEND else "the site's own origin"
    lines = ["", f"In each browser, from {whose} {outcomes.origin}:"]
    if outcomes.same_origin:
        lines.append("  (same-origin: no browser applies CORS to these requests)")
    for request in outcomes.requests:
        lines.append(f"  {request.title}: {request.headline}.")
        if request.differences:
            lines.append(f"    {request.differences}")
    return lines


def document(report: Report) -> dict[str, Any] | None:
    """The section as JSON, for the engine's report document (CLI and API)."""
    outcomes = browser_outcomes(report)
    return None if outcomes is None else outcomes.to_dict()
