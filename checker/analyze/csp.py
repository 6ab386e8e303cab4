"""Content-Security-Policy: can an injected script run, and what else does the policy leave open?

Several enforced policies all apply at once (a script must pass each), so a hole is reported only
when every policy that controls scripts has it. Policies come from Content-Security-Policy header
fields and from ``<meta http-equiv>`` tags in the page's head; a report-only policy blocks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.headers import csp
from checker.headers.csp import Directive, Policy, SourceKind
from checker.headers.meta import http_equiv
from checker.model import Finding, Observation

HEADER = "content-security-policy"
REPORT_ONLY = "content-security-policy-report-only"

# Scheme sources that let anyone who can host a file (or write a URL) run script.
BROAD_SCHEMES = frozenset({"http:", "https:", "data:", "ws:", "wss:"})
_ANY_HOST = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?\*(?::(?:[0-9]+|\*))?(?:/.*)?", re.IGNORECASE)
# Directives a meta tag cannot carry: browsers drop them there.
META_IGNORED = ("frame-ancestors", "report-uri", "sandbox")
SAFE_BASE_URI = frozenset({"'none'", "'self'"})


def _source_list_directive(name: str) -> bool:
    return name.endswith("-src") or name in ("base-uri", "form-action", "frame-ancestors")


def broad_sources(directive: Directive) -> tuple[str, ...]:
    """Sources that allow content from any host (or from a data: URL)."""
    return tuple(s for s in directive.sources if is_broad(s))


def is_broad(source: str) -> bool:
    kind = csp.classify(source)
    if kind is SourceKind.WILDCARD:
        return True
    if kind is SourceKind.SCHEME:
        return source.lower() in BROAD_SCHEMES
    return kind is SourceKind.HOST and bool(_ANY_HOST.fullmatch(source))


def _nonce_or_hash(directive: Directive) -> tuple[str, ...]:
    return directive.of_kind(SourceKind.NONCE, SourceKind.HASH)


def allows_inline(directive: Directive) -> bool:
    """CSP2+ browsers ignore 'unsafe-inline' next to a nonce, a hash or 'strict-dynamic'."""
    if not directive.has("'unsafe-inline'"):
        return False
    return not (_nonce_or_hash(directive) or directive.has("'strict-dynamic'"))


def script_broad_sources(directive: Directive) -> tuple[str, ...]:
    """With 'strict-dynamic' (CSP3), host and scheme sources are ignored for scripts."""
    if directive.has("'strict-dynamic'"):
        return ()
    return broad_sources(directive)


def is_strict(policy: Policy) -> bool:
    """Scripts need a nonce or hash, no eval, no plugins, and <base> cannot be moved."""
    script = policy.fallback("script-src", "default-src")
    objects = policy.fallback("object-src", "default-src")
    base = policy.get("base-uri")
    if script is None or objects is None or base is None:
        return False
    allowlisted = script.of_kind(SourceKind.HOST, SourceKind.SCHEME, SourceKind.WILDCARD)
    if script.has("'self'"):
        allowlisted += ("'self'",)
    return (
        bool(_nonce_or_hash(script))
        and (script.has("'strict-dynamic'") or not allowlisted)
        and not script.has("'unsafe-eval'")
        and objects.sources != ()
        and all(s.lower() == "'none'" for s in objects.sources)
        and bool(base.sources)
        and all(s.lower() in SAFE_BASE_URI for s in base.sources)
    )


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    header_policies = csp.parse_headers(response.header_all(HEADER))
    meta_policies = csp.parse_headers(http_equiv(response.body, HEADER)) if response.body else ()
    report_only = csp.parse_headers(response.header_all(REPORT_ONLY))
    cite = (final.probe,)

    findings = list(_judge_syntax(header_policies + meta_policies + report_only, cite))
    findings += _judge_meta(meta_policies, cite)
    enforced = tuple(p for p in header_policies + meta_policies if p.directives)
    if not enforced:
        findings += _judge_absence(report_only, cite)
        return findings
    findings += _judge_scripts(enforced, cite)
    findings += _judge_objects_and_base(enforced, cite)
    return findings


def _fact(policy: Policy) -> tuple[str, str]:
    return ("policy", quote(policy.text.strip()))


def _directive_fact(directive: Directive) -> tuple[str, str]:
    return ("directive", quote(" ".join((directive.name, *directive.sources))))


def _judge_absence(report_only: tuple[Policy, ...], cite: tuple[str, ...]) -> Iterator[Finding]:
    if any(p.directives for p in report_only):
        yield finding(
            "csp.report-only",
            "The Content-Security-Policy is report-only: it reports violations but blocks nothing",
            cite,
            tuple(_fact(p) for p in report_only[:3]),
        )
    else:
        yield finding(
            "csp.missing",
            "No Content-Security-Policy: nothing limits what an injected script can do",
            cite,
        )


def _judge_syntax(policies: tuple[Policy, ...], cite: tuple[str, ...]) -> Iterator[Finding]:
    problems: list[str] = []
    duplicates: list[str] = []
    unknown: list[str] = []
    unquoted: list[str] = []
    for policy in policies:
        problems += policy.problems
        duplicates += policy.duplicates
        unknown += policy.unknown
        for directive in policy.directives:
            if not _source_list_directive(directive.name):
                continue
            unquoted += [
                f"{directive.name} {s}" for s in directive.of_kind(SourceKind.UNQUOTED_KEYWORD)
            ]
            problems += [
                f"{directive.name} has a source browsers cannot read: {s}"
                for s in directive.of_kind(SourceKind.INVALID)
            ]
    if problems:
        yield finding(
            "csp.malformed",
            f"Part of the Content-Security-Policy is malformed and ignored: {short(problems[0])}",
            cite,
            tuple(("problem", quote(p)) for p in dict.fromkeys(problems[:10])),
        )
    if duplicates:
        yield finding(
            "csp.duplicate-directive",
            f"The Content-Security-Policy repeats {short(duplicates[0])}; browsers use only "
            "the first",
            cite,
            tuple(("duplicate", quote(d)) for d in dict.fromkeys(duplicates)),
        )
    if unknown:
        yield finding(
            "csp.unknown-directive",
            "The Content-Security-Policy has a directive browsers do not know: "
            f"{short(unknown[0])}",
            cite,
            tuple(("unknown-directive", quote(d)) for d in dict.fromkeys(unknown[:10])),
        )
    if unquoted:
        keyword = unquoted[0].split(" ", 1)[1]
        yield finding(
            "csp.unquoted-keyword",
            f"The Content-Security-Policy writes {short(keyword)} without quotes, so browsers "
            f"read it as a host name, not as '{short(keyword)}'",
            cite,
            tuple(("source", quote(u)) for u in dict.fromkeys(unquoted[:10])),
        )


def _judge_meta(meta: tuple[Policy, ...], cite: tuple[str, ...]) -> Iterator[Finding]:
    if not meta:
        return
    yield finding(
        "csp.meta",
        "A Content-Security-Policy is set by a <meta> tag in the page",
        cite,
        tuple(_fact(p) for p in meta[:3]),
    )
    ignored = [name for p in meta for name in META_IGNORED if p.get(name) is not None]
    if ignored:
        yield finding(
            "csp.meta-ignored-directive",
            f"{ignored[0]} has no effect in a <meta> Content-Security-Policy; it needs the header",
            cite,
            tuple(("ignored", name) for name in dict.fromkeys(ignored)),
        )


def _judge_scripts(enforced: tuple[Policy, ...], cite: tuple[str, ...]) -> Iterator[Finding]:
    controlling = [
        (policy, directive)
        for policy in enforced
        if (directive := policy.fallback("script-src", "default-src")) is not None
    ]
    if not controlling:
        yield finding(
            "csp.script-unrestricted",
            "The Content-Security-Policy has neither script-src nor default-src, so any script "
            "may run",
            cite,
            tuple(_fact(p) for p in enforced[:3]),
        )
        return

    directives = [d for _, d in controlling]
    first = _directive_fact(directives[0])
    holes = False
    if all(allows_inline(d) for d in directives):
        holes = True
        yield finding(
            "csp.unsafe-inline",
            f"{directives[0].name} allows 'unsafe-inline' without a nonce or hash, so injected "
            "inline scripts run",
            cite,
            (first,),
        )
    if all(d.has("'unsafe-eval'") for d in directives):
        holes = True
        yield finding(
            "csp.unsafe-eval",
            f"{directives[0].name} allows 'unsafe-eval', so strings can be run as code",
            cite,
            (first,),
        )
    broad = [script_broad_sources(d) for d in directives]
    if all(broad):
        holes = True
        yield finding(
            "csp.script-broad-source",
            f"{directives[0].name} allows {short(broad[0][0])}, so scripts can load from anywhere",
            cite,
            (first, *(("source", quote(s)) for s in broad[0])),
        )
    if any(is_strict(p) for p, _ in controlling):
        yield finding(
            "csp.strict",
            "A strict Content-Security-Policy: scripts need a nonce or hash, plugins and "
            "<base> changes are blocked",
            cite,
            (first,),
        )
    elif not holes:
        yield finding(
            "csp.restricts-scripts",
            "The Content-Security-Policy limits scripts to the sources it lists",
            cite,
            (first,),
        )


def _judge_objects_and_base(
    enforced: tuple[Policy, ...], cite: tuple[str, ...]
) -> Iterator[Finding]:
    objects = [d for p in enforced if (d := p.fallback("object-src", "default-src")) is not None]
    if not objects:
        yield finding(
            "csp.object-src-missing",
            "The Content-Security-Policy sets neither object-src nor default-src, so plugin "
            "content is not restricted",
            cite,
        )
    elif all(broad_sources(d) for d in objects):
        source = broad_sources(objects[0])[0]
        yield finding(
            "csp.object-broad-source",
            f"{objects[0].name} allows {short(source)}, so plugin content can load from anywhere",
            cite,
            (_directive_fact(objects[0]),),
        )
    if all(p.get("base-uri") is None for p in enforced):
        yield finding(
            "csp.base-uri-missing",
            "The Content-Security-Policy has no base-uri, so an injected <base> tag can "
            "redirect relative script URLs",
            cite,
        )
