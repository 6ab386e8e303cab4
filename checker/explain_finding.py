"""A finding told about the site at hand: what we saw, which software answered, how to fix it there.

Pure functions over a stored ``Report``: the report page, the API or a mail can use them alike.

- ``what_we_saw`` is one sentence with the real values of the answer that proves the finding
  ("Your API answered `Access-Control-Allow-Origin: https://evil.example` with credentials to a
  GET request from https://evil.example."), built from the finding's facts and cited exchanges.
- ``recognise`` names the servers and frameworks the answers give away (``Server``,
  ``X-Powered-By``, typical headers and cookie names), application frameworks first.
- ``fixes_for`` fills the snippets of ``checker.fix_snippets`` with the site's own host and the
  user's frontend origin, the recognised software's snippet first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker import browser_outcomes
from checker import findings as catalogue
from checker.fix_snippets import DEFAULT_ORDER, FIXES, FRAMEWORKS, PLACES, fill, template_for
from checker.model import Exchange, Finding, Report, Severity
from checker.netguard import literal_address

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
ABSENT = "(absent)"
# Longer header values are cut at a boundary of their own (a ";" or ","), never inside a word.
SENTENCE_VALUE_LIMIT = 160

# --- Which software answered ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recognised:
    key: str  # a key of checker.fix_snippets.FRAMEWORKS
    label: str
    because: str  # the header line that gave it away, e.g. "Server: nginx/1.25.3"


# (framework, header, pattern searched in the lower-cased value). Cookie names are matched at
# the start of a Set-Cookie value.
SIGNS: tuple[tuple[str, str, str], ...] = (
    ("express", "x-powered-by", r"express"),
    ("express", "set-cookie", r"^connect\.sid="),
    ("django", "set-cookie", r"^(csrftoken|django_language)="),
    ("rails", "x-runtime", r""),
    ("rails", "set-cookie", r"^_[a-z0-9]+(_[a-z0-9]+)*_session="),
    ("spring", "x-application-context", r""),
    ("aspnet", "x-powered-by", r"asp\.net"),
    ("aspnet", "x-aspnet-version", r""),
    ("aspnet", "x-aspnetmvc-version", r""),
    ("aspnet", "server", r"kestrel"),
    ("aspnet", "set-cookie", r"^(\.aspnetcore\.|asp\.net_sessionid=)"),
    ("php", "x-powered-by", r"php"),
    ("php", "set-cookie", r"^(phpsessid|laravel_session)="),
    ("netlify", "server", r"netlify"),
    ("netlify", "x-nf-request-id", r""),
    ("vercel", "server", r"vercel"),
    ("vercel", "x-vercel-id", r""),
    ("nginx", "server", r"nginx|openresty"),
    ("apache", "server", r"^apache(?!-coyote)"),
    ("iis", "server", r"microsoft-iis"),
    ("caddy", "server", r"caddy"),
    ("caddy", "via", r"caddy"),
    ("cloudflare", "server", r"cloudflare"),
    ("cloudflare", "cf-ray", r""),
)


def recognise(exchanges: tuple[Exchange, ...] | list[Exchange]) -> tuple[Recognised, ...]:
    """Every framework the answers name, in the order of FRAMEWORKS (the application first)."""
    seen: dict[str, str] = {}
    for exchange in exchanges:
        response = exchange.response
        if response is None:
            continue
        for key, header, pattern in SIGNS:
            if key in seen:
                continue
            for name, value in response.headers:
                if name.lower() == header and re.search(pattern, value.strip().lower()):
                    shown = value.split("=", 1)[0] + "=…" if header == "set-cookie" else value
                    seen[key] = f"{name}: {_cut(shown)}"
                    break
    return tuple(Recognised(key, FRAMEWORKS[key], seen[key]) for key in FRAMEWORKS if key in seen)


# --- How to fix it, for this site ------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    framework: str
    label: str
    code: str
    because: str = ""  # the header line that named this software; "" when we did not see it
    place: str = ""  # where the snippet goes ("the server block", "settings.py")

    @property
    def recognised(self) -> bool:
        return bool(self.because)


def placeholders(report: Report, finding: Finding) -> tuple[dict[str, str], bool]:
    """The values filled into snippets, and whether the origin is only a stand-in.

    Without a frontend origin named at scan time, ``https://app.<host>`` stands in for it (for a
    host that is an address, a name under ``.invalid`` that can never resolve)."""
    host = report.target.host
    origin = report.frontend_origin
    stand_in = not origin
    if not origin:
        bare = host.removeprefix("www.")
        address = literal_address(bare.strip("[]")) is not None
        origin = "https://your-frontend.invalid" if address else f"https://app.{bare}"
    cookie = next((value for key, value in finding.facts if key == "cookie"), "session")
    fix = FIXES.get(finding.id)
    return (
        {
            "host": host,
            "site": report.target.origin,
            "origin": origin,
            "origin_pattern": re.escape(origin).replace("\\:", ":").replace("\\/", "/"),
            "name": fix.header if fix else "",
            "value": fix.value if fix else "",
            "cookie": cookie,
        },
        stand_in,
    )


def fixes_for(
    report: Report, finding: Finding, recognised: tuple[Recognised, ...]
) -> tuple[Snippet, ...]:
    """Snippets fixing the finding, the recognised software's first; () for a pass or a finding
    whose remedy is not a line of configuration."""
    fix = FIXES.get(finding.id)
    if fix is None or finding.severity == Severity.PASS:
        return ()
    values, _ = placeholders(report, finding)
    because = {r.key: r.because for r in recognised}
    order = list(because) + [key for key in DEFAULT_ORDER if key not in because]
    snippets = []
    for key in order:
        template = template_for(fix, key)
        if template is not None:
            code = fill(template, values)
            snippets.append(
                Snippet(key, FRAMEWORKS[key], code, because.get(key, ""), PLACES.get(key, ""))
            )
    return tuple(snippets)


# --- What we saw -----------------------------------------------------------------------------


def _cut(value: str, limit: int = SENTENCE_VALUE_LIMIT) -> str:
    # A backtick in a site's value would shift the sentence's `code` spans: show a look-alike.
    value = value.replace("`", "\u02cb")
    if len(value) <= limit:
        return value
    head = value[:limit]
    for mark in ("; ", ", ", " "):
        if mark in head:
            return head[: head.rindex(mark)].rstrip(";, ") + " …"
    return head + "…"


def _who(report: Report) -> str:
    return "Your API" if report.profile == catalogue.API else "Your site"


def _cited(report: Report, finding: Finding) -> list[Exchange]:
    return [e for e in (report.find_exchange(p) for p in finding.exchanges) if e is not None]


def _header_name(key: str) -> str:
    return "-".join(part.capitalize() for part in key.split("-"))


CORS_COLUMNS = ("probe", "origin sent", "status", ACAO, ACAC)


def _cors_sentence(report: Report, finding: Finding, facts: dict[str, str]) -> str:
    exchange = report.find_exchange(facts.get("probe", ""))
    preflight = exchange is not None and exchange.request.method == "OPTIONS"
    origin = facts["origin sent"]
    request = f"a preflight (OPTIONS) from {origin}" if preflight else f"a request from {origin}"
    if exchange is not None and not preflight:
        request = f"a {exchange.request.method} request from {origin}"
    allow, credentials = facts.get(ACAO, ABSENT), facts.get(ACAC, ABSENT)
    who = _who(report)
    if allow == ABSENT:
        sentence = (
            f"{who} answered {request} with status {facts.get('status', '?')} and no "
            "`Access-Control-Allow-Origin` header."
        )
    else:
        with_credentials = (
            " with credentials"
            if credentials == "true"
            else f" with `Access-Control-Allow-Credentials: {credentials}`"
            if credentials != ABSENT
            else ""
        )
        header = f"`Access-Control-Allow-Origin: {_cut(allow)}`"
        sentence = f"{who} answered {header}{with_credentials} to {request}."
    extras = []
    for key, value in finding.facts:
        if key in CORS_COLUMNS:
            continue
        if key == "other hostile origins trusted":
            extras.append(_others(value))
        elif value == ABSENT:
            extras.append(f"no `{_header_name(key)}` header came with it")
        else:
            extras.append(f"{key}: {_cut(value)}")
    if extras:
        text = "; ".join(extras)
        sentence += f" {text[0].upper()}{text[1:]}."
    return sentence


# How many of the other trusted origins a sentence names; the matrix at the end has them all.
OTHERS_NAMED = 3


def _others(value: str) -> str:
    """ "15: null, http://a.evil.test, …" as words, naming a few whole origins only (the fact
    itself may have been cut short, inside a name)."""
    count, _, names = value.partition(": ")
    listed = [name for name in names.split(", ") if name and not name.endswith("…")]
    shown = listed[:OTHERS_NAMED]
    plural = "" if count == "1" else "s"
    if not shown:
        return f"it trusted {count} other hostile origin{plural} too"
    among = "" if count == str(len(shown)) else "among them "
    named = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"it trusted {count} other hostile origin{plural} too, {among}{named}"


def _header_sentence(report: Report, finding: Finding, exchange: Exchange) -> str | None:
    names = catalogue.CATALOGUE[finding.id].evidence if finding.id in catalogue.CATALOGUE else ()
    response = exchange.response
    if response is None or not names:
        return None
    present = [(name, response.header_all(name)) for name in names]
    shown = [f"`{_header_name(n)}: {_cut(v[0])}`" for n, v in present if v]
    missing = [f"`{_header_name(n)}`" for n, v in present if not v]
    where = f"{exchange.request.method} {exchange.request.url} answered {response.status}"
    if not shown:
        return f"{where} without a {' or '.join(missing)} header."
    sentence = f"{where} with {' and '.join(shown[:2])}"
    if missing and not present[0][1]:
        sentence += f" but no {missing[0]}"
    return sentence + "."


def _redirect_sentence(report: Report, finding: Finding, facts: dict[str, str]) -> str | None:
    if "url" in facts and "status" in facts:
        return (
            f"{facts['url']} answered {facts['status']} over plain HTTP, with no redirect to "
            f"https://{report.target.host}/."
        )
    if "from" in facts and "to" in facts:
        return f"{facts['from']} redirected to {facts['to'] or 'nowhere we could follow'}."
    return None


def _cookie_sentence(finding: Finding) -> str | None:
    names = [value for key, value in finding.facts if key == "cookie"]
    if not names:
        return None
    attributes = [
        value.split(";", 1)[1].strip() if ";" in value else ""
        for key, value in finding.facts
        if key == "set-cookie"
    ]
    shown = ", ".join(f"`{name}`" for name in names[:5]) + (" and more" if len(names) > 5 else "")
    if attributes and finding.severity != Severity.PASS:
        flags = attributes[0] or "no attributes at all"
        sentence = f"The answer set the cookie {shown} with `{_cut(flags)}`."
    else:
        sentence = f"The answer set {'the cookie' if len(names) == 1 else 'the cookies'} {shown}."
    rejected = next((value for key, value in finding.facts if key == "rejected"), None)
    return sentence + (f" Browsers reject it: {rejected}." if rejected else "")


def quotes_its_request(report: Report, finding: Finding) -> bool:
    """Whether ``what_we_saw`` already tells all a finding's one plain request shows: its URL,
    status and every value of the headers it is judged on, none cut. The report then leaves
    that request's evidence block out instead of saying the same twice."""
    cited = _cited(report, finding)
    if len(cited) != 1 or cited[0].response is None or finding.id.startswith("cookie."):
        return False
    facts = dict(finding.facts)
    if "origin sent" in facts or finding.id.startswith("redirect."):
        return False
    if finding.id == "tls.certificate-invalid":
        return False
    row = catalogue.CATALOGUE.get(finding.id)
    names = row.evidence if row else ()
    if not names:
        return False
    values = [cited[0].response.header_all(name) for name in names]
    present = [v for v in values if v]
    return (
        len(present) <= 2
        and all(len(v) == 1 and _cut(v[0]) == v[0] for v in present)
        and what_we_saw(report, finding) == _header_sentence(report, finding, cited[0])
    )


def what_we_saw(report: Report, finding: Finding) -> str:
    """One sentence with the real values behind the finding."""
    facts = dict(finding.facts)
    if finding.id == "tls.certificate-invalid" and "error" in facts:
        return f"The certificate {report.target.host} presented did not verify: {facts['error']}."
    if "origin sent" in facts:
        return _cors_sentence(report, finding, facts)
    if finding.id.startswith("redirect.") and finding.severity != Severity.PASS:
        sentence = _redirect_sentence(report, finding, facts)
        if sentence:
            return sentence
    if finding.id.startswith("cookie."):
        sentence = _cookie_sentence(finding)
        if sentence:
            return sentence
    for exchange in _cited(report, finding):
        sentence = _header_sentence(report, finding, exchange)
        if sentence:
            return sentence
    if finding.facts:
        return "We saw " + "; ".join(f"{k}: {_cut(v)}" for k, v in finding.facts[:4]) + "."
    return finding.title.rstrip(".") + "."


def with_observations(report: Report, document: dict) -> dict:
    """The report's JSON (``document``, in the report's own order) with each finding's "what we
    saw" sentence beside it as ``observed``: what the command line and the API give programs."""
    findings = document.get("findings", [])
    if len(findings) != len(report.findings):  # not this report's JSON: leave it as it is
        return document
    observed = [
        {**item, "observed": what_we_saw(report, finding)}
        for item, finding in zip(findings, report.findings, strict=True)
    ]
    return {**document, "findings": observed}


def report_document(report: Report, data: dict | None = None) -> dict:
    """The report as JSON for programs (``data``: its JSON as stored, else ``report.to_dict()``):
    each finding with its catalogue row's area and titles and ``observed``, and ``browsers``,
    what each browser does with a frontend's usual requests. What the command line prints and the
    API answers."""
    document = catalogue.with_catalogue(report.to_dict() if data is None else data)
    return {**with_observations(report, document), "browsers": browser_outcomes.document(report)}


def why_it_matters(finding: Finding) -> str:
    """The catalogue row's sentence on what the finding means for the site's users."""
    row = catalogue.CATALOGUE.get(finding.id)
    return row.meaning if row else ""
