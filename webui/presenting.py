"""How a stored report is shown: findings grouped by area, evidence rows, the score's arithmetic.

Plain functions over the engine's dataclasses, so the report template only loops and prints and
every decision about presentation can be tested without a request. Areas and the headers worth
quoting as evidence come from the findings catalogue; the CORS verdicts reuse the engine's own
reading of a probe's answer, so the report never disagrees with the analyzers about what a
browser would do.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass, replace

from checker import findings as catalogue
from checker import scoring
from checker.addresses import scan_probe
from checker.analyze.cors_answers import Answer, kind_of
from checker.analyze.evidence import plural
from checker.classify import PROFILE_NAMES, error_warning
from checker.cors_matrix import FRONTEND, SELF
from checker.endpoints import local_id
from checker.explain_finding import (
    Recognised,
    Snippet,
    fixes_for,
    placeholders,
    quotes_its_request,
    recognise,
    what_we_saw,
    why_it_matters,
)
from checker.glossary import (
    DEFAULT_BASE_URL,
    Entry,
    entries_for_finding,
    get_entry,
    render_markdown,
)
from checker.model import Exchange, Finding, Report, Severity

# The --grade-* colours of static/webui/site.css, for what cannot use the style sheet: badges
# (an SVG on its own) and mails (mail clients drop linked style sheets, so styles go inline).
GRADE_COLOURS = {
    "A+": "#067647",
    "A": "#17803d",
    "B": "#4d7c0f",
    "C": "#a15c07",
    "D": "#c4320a",
    "F": "#b42318",
}


@dataclass(frozen=True)
class Area:
    slug: str
    title: str


# Display order of the areas, also the tie-break when two groups are equally severe: the
# catalogue's, which also says which area each finding belongs to.
AREAS: tuple[Area, ...] = tuple(Area(slug, title) for slug, title in catalogue.AREAS.items())
OTHER_AREA = Area("other", "Other")
_BY_SLUG = {area.slug: area for area in AREAS}

# Facts a CORS evidence table already shows in its columns.
FACTS_IN_CORS_TABLE = frozenset(
    (
        "probe",
        "origin sent",
        "status",
        "access-control-allow-origin",
        "access-control-allow-credentials",
    )
)

# Headings under which glossary entries explain the remedy.
FIX_HEADINGS = ("How to fix it", "What to do")

SERIOUS = (Severity.CRITICAL, Severity.HIGH)
SMALLER = (Severity.MEDIUM, Severity.LOW)
COUNTED = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def area_of(finding_id: str) -> Area:
    row = catalogue.CATALOGUE.get(finding_id)
    return _BY_SLUG.get(row.area, OTHER_AREA) if row else OTHER_AREA


def evidence_headers(finding_id: str) -> tuple[str, ...]:
    row = catalogue.CATALOGUE.get(finding_id)  # None for an id an older engine emitted
    return row.evidence if row else ()


# --- Evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorsRow:
    """One CORS probe: the origin we sent, the CORS headers that came back, and what that means."""

    probe: str
    request: str  # "GET" or "OPTIONS (preflight)"
    label: str  # which class of origin was sent
    origin: str
    status: str
    allow_origin: str | None  # None when the header was absent
    allow_credentials: str | None
    verdict: str
    tone: str  # "bad", "warn", "good" or "neutral": how the verdict reads for this origin


def _is_expected(label: str | None) -> bool:
    """The site's own origin and the user's frontend are meant to be trusted; others are not."""
    return label in (SELF, FRONTEND)


def is_cors_probe(exchange: Exchange) -> bool:
    """A probe of the CORS matrix, on the target or on an endpoint of a whole-API scan, or sent
    to another address of the name (checker.addresses)."""
    return kind_of(local_id(scan_probe(exchange.probe))) is not None


def cors_row(exchange: Exchange) -> CorsRow:
    kind = kind_of(local_id(scan_probe(exchange.probe)))
    label = exchange.origin_label or "—"
    if scan_probe(exchange.probe) != exchange.probe:  # sent to another address of the name
        label = f"{label}, at {exchange.address}"
    origin = exchange.request.header("origin")
    method = exchange.request.method
    request = f"{method} (preflight)" if method == "OPTIONS" else method
    asked = exchange.request.header("access-control-request-method")
    if method == "OPTIONS" and asked and local_id(exchange.probe) != exchange.probe:
        request = f"{method} (preflight for {asked})"  # an endpoint's own method
    base = CorsRow(exchange.probe, request, label, origin or "(none)", "—", None, None, "", "")
    if exchange.response is None:
        return replace(
            base, verdict=f"No answer: {exchange.error or 'unknown error'}", tone="neutral"
        )
    answer = Answer(exchange, exchange.response, kind or "", exchange.origin_label, origin)
    expected = _is_expected(exchange.origin_label)
    if answer.echoes and answer.credentials:
        verdict, tone = "Trusted, with cookies", "good" if expected else "bad"
    elif answer.echoes:
        verdict, tone = "Trusted", "good" if expected else "warn"
    elif answer.wildcard:
        verdict, tone = "Any site may read, without cookies", "neutral"
    elif len(answer.allow_origin) > 1:
        verdict, tone = "Refused: several values", "warn" if expected else "good"
    elif answer.has_cors:
        verdict, tone = "Not trusted: names another origin", "neutral" if expected else "good"
    else:
        verdict, tone = "Not trusted: no CORS headers", "neutral" if expected else "good"
    return replace(
        base,
        status=str(answer.status),
        allow_origin=", ".join(answer.allow_origin) if answer.allow_origin else None,
        allow_credentials=answer.allow_credentials,
        verdict=verdict,
        tone=tone,
    )


@dataclass(frozen=True)
class HeaderRow:
    name: str
    value: str | None  # None: the response did not carry this header


@dataclass(frozen=True)
class HttpEvidence:
    """One ordinary request: what we sent and the status and relevant headers we got back."""

    probe: str
    method: str
    url: str
    status: str  # "HTTP/1.1 200", or "—" when nothing came back
    error: str | None
    headers: tuple[HeaderRow, ...]


def http_evidence(exchange: Exchange, names: tuple[str, ...]) -> HttpEvidence:
    request = exchange.request
    response = exchange.response
    if response is None:
        return HttpEvidence(exchange.probe, request.method, request.url, "—", exchange.error, ())
    rows: list[HeaderRow] = []
    for position, name in enumerate(names):
        values = response.header_all(name)
        original = next((key for key, _ in response.headers if key.lower() == name), name)
        rows.extend(HeaderRow(original, value) for value in values)
        if not values and position == 0:
            # Only the finding's main header is worth a "not sent" line; the others are context.
            rows.append(HeaderRow(name, None))
    status = f"{response.http_version} {response.status}"
    return HttpEvidence(exchange.probe, request.method, request.url, status, None, tuple(rows))


# --- Findings ---------------------------------------------------------------------------------


def fix_markdown(body: str) -> str | None:
    """The "How to fix it" section of a glossary entry, without its heading; None when absent.

    Fenced code is skipped when looking for the next heading, so a ``## `` comment inside a
    snippet does not cut the section short.
    """
    lines = body.splitlines()
    taken: list[str] | None = None
    in_fence = False
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("## "):
            if taken is not None:
                break
            if line[3:].strip() in FIX_HEADINGS:
                taken = []
            continue
        if taken is not None:
            taken.append(line)
    if taken is None:
        return None
    text = "\n".join(taken).strip()
    return text + "\n" if text else None


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    modifier: int
    caps_grade_at: str | None  # the letter this finding's id caps a grade at, if any
    area: Area
    entry: Entry | None
    fix_html: str | None  # rendered from our own glossary with raw HTML disabled: safe
    cors_rows: tuple[CorsRow, ...]  # the probes that prove it, the one that matters first
    requests: tuple[HttpEvidence, ...]
    facts: tuple[tuple[str, str], ...]
    observed: str = ""  # what we saw: one sentence with the real values
    why: str = ""  # why it matters to the site's users (the catalogue row's meaning)
    # How to fix it here: the recognised software's snippet first, then the others.
    snippets: tuple[Snippet, ...] = ()
    origin_stand_in: str | None = None  # the made-up frontend origin in the snippets, if any
    more_probes: int = 0  # cited probes left out of the finding's table (all are in the matrix)

    @property
    def id(self) -> str:
        return self.finding.id

    @property
    def severity(self) -> Severity:
        return self.finding.severity

    @property
    def observed_parts(self) -> tuple[tuple[str, bool], ...]:
        return code_spans(self.observed)


def code_spans(sentence: str) -> tuple[tuple[str, bool], ...]:
    """A sentence cut at its `backticks`: (text, is code) pieces, for <code> without |safe."""
    pieces = sentence.split("`")
    if len(pieces) % 2 == 0:  # an odd backtick: show it as it is
        return ((sentence, False),)
    return tuple((piece, index % 2 == 1) for index, piece in enumerate(pieces) if piece)


def _exchanges(report: Report, probe_ids: tuple[str, ...]) -> list[Exchange]:
    found = (report.find_exchange(probe) for probe in dict.fromkeys(probe_ids))
    return [exchange for exchange in found if exchange is not None]


# A finding's own table shows at most this many of the probes it cites; the full matrix at the
# end of the report has every one.
CITED_ROWS = 2
PREFLIGHT_HEADERS = frozenset(
    ("access-control-allow-methods", "access-control-allow-headers", "access-control-max-age")
)


def proving_exchanges(report: Report, finding: Finding) -> list[Exchange]:
    """The cited exchanges, the one that matters first: the probe the facts name, else (for a
    finding about a preflight header) the preflights; duplicates left out."""
    cited = _exchanges(report, finding.exchanges)
    named = dict(finding.facts).get("probe")
    about_preflight = bool(PREFLIGHT_HEADERS & set(evidence_headers(finding.id)))

    def rank(exchange: Exchange) -> int:
        if exchange.probe == named:
            return 0
        if about_preflight and exchange.request.method == "OPTIONS":
            return 1
        return 2

    return sorted(cited, key=rank)


def _distinct(rows: list[CorsRow]) -> list[CorsRow]:
    """Rows that would read the same (same request, origin and answer) shown once."""
    seen = set()
    kept = []
    for row in rows:
        key = (row.request, row.origin, row.status, row.allow_origin, row.allow_credentials)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def finding_view(
    report: Report,
    finding: Finding,
    modifiers: dict[str, int],
    base_url: str = DEFAULT_BASE_URL,
    recognised: tuple[Recognised, ...] = (),
) -> FindingView:
    cited = proving_exchanges(report, finding)
    all_cors = _distinct([cors_row(e) for e in cited if is_cors_probe(e)])
    cors = tuple(all_cors[:CITED_ROWS])
    names = evidence_headers(finding.id)
    plain = tuple(http_evidence(e, names) for e in cited if not is_cors_probe(e))
    if quotes_its_request(report, finding):
        plain = ()  # "What we saw" has said it all: the URL, the status and the headers
    facts = finding.facts
    if cors:
        facts = tuple((key, value) for key, value in facts if key not in FACTS_IN_CORS_TABLE)
    entry = get_entry(finding.glossary)
    fix = fix_markdown(entry.body_markdown) if entry else None
    snippets = fixes_for(report, finding, recognised)
    values, stand_in = placeholders(report, finding)
    uses_origin = any(values["origin"] in snippet.code for snippet in snippets)
    return FindingView(
        finding=finding,
        modifier=modifiers.get(finding.id, 0),
        caps_grade_at=scoring.GRADE_CAPS.get(finding.id),
        area=area_of(finding.id),
        entry=entry,
        # The glossary's general remedy only where we have no snippet for this site; a passed
        # check has nothing to fix.
        fix_html=(
            render_markdown(fix, base_url)
            if fix and not snippets and finding.severity != Severity.PASS
            else None
        ),
        cors_rows=cors,
        requests=plain,
        facts=facts,
        observed=what_we_saw(report, finding),
        why=why_it_matters(finding),
        snippets=snippets,
        origin_stand_in=values["origin"] if stand_in and uses_origin else None,
        more_probes=len(all_cors) - len(cors),
    )


def sort_key(view: FindingView) -> tuple[int, int, str]:
    # Worst first; among equals, the one that costs more points; then by id for a stable order.
    return (view.severity.rank, view.modifier, view.id)


@dataclass(frozen=True)
class Group:
    area: Area
    findings: tuple[FindingView, ...]

    @property
    def worst(self) -> Severity:
        return self.findings[0].severity

    @property
    def counts(self) -> list[tuple[Severity, int]]:
        counter = Counter(view.severity for view in self.findings)
        return [(severity, counter[severity]) for severity in Severity if counter[severity]]


def group_findings(views: list[FindingView]) -> tuple[list[Group], list[FindingView]]:
    """Problems grouped by area (most severe group first) and, apart, the passed checks."""
    passed = sorted(
        (v for v in views if v.severity == Severity.PASS), key=lambda v: (_area_index(v.area), v.id)
    )
    by_area: dict[str, list[FindingView]] = {}
    for view in views:
        if view.severity != Severity.PASS:
            by_area.setdefault(view.area.slug, []).append(view)
    groups = [
        Group(members[0].area, tuple(sorted(members, key=sort_key))) for members in by_area.values()
    ]
    groups.sort(key=lambda g: (g.worst.rank, _area_index(g.area)))
    return groups, passed


def _area_index(area: Area) -> int:
    return AREAS.index(area) if area in AREAS else len(AREAS)


# --- Summary, severity chart, score ------------------------------------------------------------


def severity_counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[Severity, int]:
    counter = Counter(finding.severity for finding in findings)
    return {severity: counter[severity] for severity in Severity}


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary_sentence(
    grade: str | None,
    findings: tuple[Finding, ...] | list[Finding],
    about: str = "",
) -> str:
    """The grade (and what it is about, when that is not a plain page), how many problems of
    which weight, and the one to start with."""
    counts = severity_counts(findings)
    serious = sum(counts[s] for s in SERIOUS)
    smaller = sum(counts[s] for s in SMALLER)
    parts = []
    if serious:
        detail = _join([f"{counts[s]} {s.value}" for s in SERIOUS if counts[s]])
        parts.append(f"{plural(serious, 'serious problem')} ({detail})")
    if smaller:
        parts.append(plural(smaller, "smaller issue"))
    if counts[Severity.INFO]:
        parts.append(plural(counts[Severity.INFO], "note"))
    if not serious and not smaller:
        parts.insert(0, "no problems")
    passed = counts[Severity.PASS]
    sentence = f"Grade {grade or '?'}{about}: {_join(parts)}"
    if passed:
        sentence += f"; {plural(passed, 'check')} passed"
    sentence += "."
    problems = [f for f in findings if f.severity in SERIOUS + SMALLER]
    if problems:
        first = min(problems, key=lambda f: (f.severity.rank, scoring.SCORE_TABLE.get(f.id, 0)))
        sentence += f" Start with: {first.title.rstrip('.')}."
    return sentence


SHARE_WORST = 3
# Link previews cut descriptions at about this length; cut them ourselves, at a word.
SHARE_LENGTH = 200


def worst_problems(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """Problems (not notes, not passes), the most severe and then the most costly first."""
    problems = [f for f in findings if f.severity in SERIOUS + SMALLER]
    return sorted(problems, key=lambda f: (f.severity.rank, scoring.SCORE_TABLE.get(f.id, 0)))


def share_description(report: Report) -> str:
    """One sentence for a pasted link's preview: the worst findings by name, then the count."""
    problems = worst_problems(report.findings)
    passed = severity_counts(report.findings)[Severity.PASS]
    checks = f"{plural(passed, 'check')} passed" if passed else ""
    if not problems:
        return f"No problems found; {checks}." if checks else "No problems found."
    named = "; ".join(f"{f.title.rstrip('.')} ({f.severity.value})" for f in problems[:SHARE_WORST])
    if len(problems) == 1:
        sentence = f"One problem: {named}" + (f"; {checks}." if checks else ".")
    else:
        counts = ", ".join(part for part in (f"{len(problems)} problems in all", checks) if part)
        sentence = f"Worst findings: {named}. {counts}."
    return textwrap.shorten(sentence, width=SHARE_LENGTH, placeholder="…")


@dataclass(frozen=True)
class BarSegment:
    severity: Severity
    count: int
    x: float  # in percent of the bar's width
    width: float


def severity_bar(counts: dict[Severity, int]) -> list[BarSegment]:
    """Segments of a 100-unit bar, one per severity that occurs, for a server-drawn SVG."""
    total = sum(counts.values())
    segments = []
    x = 0.0
    for severity in Severity:
        count = counts.get(severity, 0)
        if not count:
            continue
        width = round(100 * count / total, 3)
        segments.append(BarSegment(severity, count, round(x, 3), width))
        x += width
    return segments


@dataclass(frozen=True)
class ScoreRow:
    kind: str  # "base", "penalty", "bonus", "floor"
    label: str
    finding_id: str | None
    modifier: int
    running: int  # the score after this row


@dataclass(frozen=True)
class ScoreBreakdown:
    rows: tuple[ScoreRow, ...]
    score: int
    letter_from_score: str
    cap: str | None
    capped_by: tuple[str, ...]  # ids of this report's findings that cap at ``cap``
    grade: str | None
    algorithm_version: int
    current_version: bool


def score_breakdown(report: Report) -> ScoreBreakdown:
    """The stored score's arithmetic, line by line, as the report recorded it when graded."""
    titles = {finding.id: finding.title for finding in report.findings}
    running = scoring.BASE_SCORE
    rows = [ScoreRow("base", "Every site starts with", None, scoring.BASE_SCORE, running)]
    for line in report.score_lines:
        running += line.modifier
        kind = "bonus" if line.modifier > 0 else "penalty"
        rows.append(
            ScoreRow(
                kind, titles.get(line.finding, line.finding), line.finding, line.modifier, running
            )
        )
    score = report.score if report.score is not None else max(0, running)
    if score != running:
        rows.append(ScoreRow("floor", "A score never goes below 0", None, score - running, score))
    capped_by = tuple(
        finding.id
        for finding in report.findings
        if report.grade_cap and scoring.GRADE_CAPS.get(finding.id) == report.grade_cap
    )
    return ScoreBreakdown(
        rows=tuple(rows),
        score=score,
        letter_from_score=scoring.letter_for(score),
        cap=report.grade_cap,
        capped_by=tuple(dict.fromkeys(capped_by)),
        grade=report.grade,
        algorithm_version=report.algorithm_version,
        current_version=report.algorithm_version == scoring.ALGORITHM_VERSION,
    )


def timed_out_notice(report: Report) -> str | None:
    """Which probes ran out of time, so a reader knows what the findings could not look at."""
    probes = report.timed_out_probes
    if not probes:
        return None
    waited = max(report.exchange(probe).elapsed_ms for probe in probes) / 1000
    within = f" within {round(waited, 1):g} s" if waited >= 0.05 else " in time"
    were = "was" if len(probes) == 1 else "were"
    return (
        f"{plural(len(probes), 'probe')} did not answer{within} and {were} not judged: "
        f"{', '.join(probes)}."
    )


# --- The whole report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    summary: str
    groups: list[Group]
    passed: list[FindingView]
    counts: dict[Severity, int]
    bar: list[BarSegment]
    score: ScoreBreakdown
    chain: list[Exchange]
    final: Exchange
    cors_matrix: tuple[CorsRow, ...]  # every CORS probe, for the full table
    exchanges: tuple[Exchange, ...]
    profile: str  # "page" or "api"
    profile_label: str  # "a page", "an API answer"
    profile_reason: str
    error_warning: str | None  # set when the final answer was an error page
    not_applicable: tuple[FindingView, ...]  # findings that do not apply to the profile
    timed_out: str | None = None  # which probes got no answer in time, when any
    # The servers and frameworks the answers name, for the fix snippets.
    recognised: tuple[Recognised, ...] = ()
    # A whole-API scan: one CORS table per endpoint, and why the list was cut or not read.
    endpoints: tuple[EndpointView, ...] = ()
    endpoints_note: str | None = None

    @property
    def problem_count(self) -> int:
        return sum(len(group.findings) for group in self.groups)


@dataclass(frozen=True)
class EndpointView:
    path: str
    url: str
    methods: str  # "GET, DELETE"
    findings: tuple[tuple[str, str], ...]  # (id, title of the catalogue row)
    rows: tuple[CorsRow, ...]


def endpoint_views(report: Report) -> tuple[EndpointView, ...]:
    views = []
    for endpoint in report.endpoints:
        rows = tuple(cors_row(e) for e in _exchanges(report, endpoint.probes))
        found = tuple(
            (finding_id, catalogue.row_for(finding_id).title)
            for finding_id in endpoint.findings
            if finding_id in catalogue.CATALOGUE
        )
        views.append(
            EndpointView(endpoint.path, endpoint.url, ", ".join(endpoint.methods), found, rows)
        )
    return tuple(views)


def report_view(report: Report, base_url: str = DEFAULT_BASE_URL) -> ReportView:
    modifiers = {line.finding: line.modifier for line in report.score_lines}
    chain = _exchanges(report, report.chain)
    recognised = recognise(list(reversed(chain)) + list(report.exchanges))
    views = [
        finding_view(report, finding, modifiers, base_url, recognised)
        for finding in report.findings
    ]
    groups, passed = group_findings(views)
    counts = severity_counts(report.findings)
    warning = error_warning(report)
    final = chain[-1].response if chain else None
    about = f" for an error page ({final.status})" if warning and final else ""
    if not about and report.profile == catalogue.API:
        about = " as an API answer"
    apart = [finding_view(report, finding, {}, base_url) for finding in report.not_applicable]
    return ReportView(
        summary=summary_sentence(report.grade, report.findings, about),
        groups=groups,
        passed=passed,
        counts={s: counts[s] for s in COUNTED + (Severity.PASS,)},
        bar=severity_bar(counts),
        score=score_breakdown(report),
        chain=chain,
        final=chain[-1],
        cors_matrix=tuple(cors_row(e) for e in report.exchanges if kind_of(e.probe) is not None),
        exchanges=report.exchanges,
        profile=report.profile,
        profile_label=PROFILE_NAMES.get(report.profile, report.profile),
        profile_reason=report.profile_reason,
        error_warning=warning,
        not_applicable=tuple(sorted(apart, key=lambda v: (_area_index(v.area), v.id))),
        timed_out=timed_out_notice(report),
        recognised=recognised,
        endpoints=endpoint_views(report),
        endpoints_note=report.endpoints_note,
    )


# --- The scoring page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringRow:
    finding_id: str
    title: str
    meaning: str
    severity: Severity
    modifier: int
    effect: str  # "penalty", "bonus" or "no points"
    cap: str | None
    api: str  # how an API answer is weighed, in words
    entries: tuple[Entry, ...]  # the row's own entry first, then those that name the id


def _api_effect(row: catalogue.Row) -> str:
    if not row.applies(catalogue.API):
        return "not applicable"
    weight = row.weight(catalogue.API)
    if weight.modifier == row.modifier:
        return "the same"
    points = f"{weight.modifier:+d}" if weight.modifier else "0"
    return f"{points} ({weight.severity.value})"


def scoring_groups() -> list[tuple[Area, list[ScoringRow]]]:
    """Every row of the catalogue with its title, severity, modifier, cap and entries, by area."""
    by_area: dict[str, list[ScoringRow]] = {}
    for row in catalogue.ROWS:
        effect = "penalty" if row.modifier < 0 else "bonus" if row.modifier > 0 else "no points"
        own = get_entry(row.glossary)
        related = [e for e in entries_for_finding(row.id) if own is None or e.slug != own.slug]
        view = ScoringRow(
            row.id,
            row.title,
            row.meaning,
            row.severity,
            row.modifier,
            effect,
            row.cap,
            _api_effect(row),
            tuple(([own] if own else []) + related),
        )
        by_area.setdefault(area_of(row.id).slug, []).append(view)
    areas = list(AREAS) + [OTHER_AREA]
    return [(area, by_area[area.slug]) for area in areas if area.slug in by_area]


def caps_table() -> list[tuple[str, str]]:
    """(finding id, letter) for every cap, the harshest first."""
    letters = [letter for _, letter in scoring.GRADE_CUTOFFS]
    return sorted(scoring.GRADE_CAPS.items(), key=lambda item: (-letters.index(item[1]), item[0]))


def cutoffs_table() -> list[tuple[str, int, int | None]]:
    """(letter, lowest score, highest score or None for open-ended) from the cut-offs."""
    rows = []
    upper = None
    for cutoff, letter in scoring.GRADE_CUTOFFS:
        rows.append((letter, cutoff, upper))
        upper = cutoff - 1
    return rows
