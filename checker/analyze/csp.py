"""Content-Security-Policy: can an injected script run, and what else does the policy leave open?

Several enforced policies all apply at once (a script must pass each), so a hole is reported only
when every policy that controls scripts has it. Policies come from Content-Security-Policy header
fields and from ``<meta http-equiv>`` tags in the page's head; a report-only policy blocks nothing.

Scripts are judged as browsers look them up: a ``<script>`` element by ``script-src-elem``, an
inline event handler by ``script-src-attr``, each falling back to ``script-src`` and then
``default-src``; ``eval`` by ``script-src``. A nonce is a secret only if it is new on every
response, so the engine fetches a page whose policy has one a second time (``Observation.refetch``)
and the two are compared.
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
# Schemes whose content travels unencrypted: anyone on the network can swap it.
INSECURE_SCHEMES = ("http:", "ws:")
# Where each kind of script looks for its directive, most specific first.
ELEMENT = ("script-src-elem", "script-src", "default-src")  # <script> elements
ATTRIBUTE = ("script-src-attr", "script-src", "default-src")  # onclick="..." and the like
CODE = ("script-src", "default-src")  # eval() and new Function()
OBJECTS = ("object-src", "default-src")
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


def insecure_sources(directive: Directive) -> tuple[str, ...]:
    """Sources fetched unencrypted: ``http:``, ``http://cdn.example``, ``ws:``, ``ws://...``.

    With 'strict-dynamic', a script directive's host and scheme sources are ignored."""
    if directive.name.startswith("script-src") and directive.has("'strict-dynamic'"):
        return ()
    return tuple(
        s
        for s in directive.of_kind(SourceKind.SCHEME, SourceKind.HOST)
        if s.lower().startswith(INSECURE_SCHEMES)
    )


def is_strict(policy: Policy) -> bool:
    """Scripts need a nonce or hash, no eval, no plugins, and <base> cannot be moved."""
    script = policy.fallback(*ELEMENT)
    attribute = policy.fallback(*ATTRIBUTE)
    code = policy.fallback(*CODE)
    objects = policy.fallback(*OBJECTS)
    base = policy.get("base-uri")
    if script is None or attribute is None or objects is None or base is None:
        return False
    allowlisted = script.of_kind(SourceKind.HOST, SourceKind.SCHEME, SourceKind.WILDCARD)
    if script.has("'self'"):
        allowlisted += ("'self'",)
    return (
        bool(_nonce_or_hash(script))
        and (script.has("'strict-dynamic'") or not allowlisted)
        and not allows_inline(attribute)
        and not (code is not None and code.has("'unsafe-eval'"))
        and objects.sources != ()
        and all(s.lower() == "'none'" for s in objects.sources)
        and bool(base.sources)
        and all(s.lower() in SAFE_BASE_URI for s in base.sources)
    )


def _controlling(enforced: tuple[Policy, ...], names: tuple[str, ...]) -> list[Directive]:
    """The directive each policy applies to one kind of content; policies without one let it
    through and so do not count."""
    return [d for policy in enforced if (d := policy.fallback(*names)) is not None]


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
    nonce = _judge_nonce(enforced, observation, cite)
    findings += nonce
    reused = any(f.id == "csp.nonce-reused" for f in nonce)
    findings += _judge_scripts(enforced, cite, nonce_reused=reused)
    findings += _judge_insecure_sources(enforced, cite)
    findings += _judge_objects_and_base(enforced, cite)
    return findings


def _enforced_policies(response) -> tuple[Policy, ...]:
    header = csp.parse_headers(response.header_all(HEADER))
    meta = csp.parse_headers(http_equiv(response.body, HEADER)) if response.body else ()
    return tuple(p for p in header + meta if p.directives)


def _judge_nonce(
    enforced: tuple[Policy, ...], observation: Observation, cite: tuple[str, ...]
) -> list[Finding]:
    """The nonces of the page against those of the same page fetched again."""
    first = csp.nonces(enforced)
    again = observation.refetch
    if not first or again is None or again.response is None:
        return []
    second = csp.nonces(_enforced_policies(again.response))
    cite = (*cite, again.probe)
    reused = sorted(first & second)
    if reused:
        return [
            finding(
                "csp.nonce-reused",
                f"The CSP nonce “{short(reused[0])}” came back the same on a second request, so "
                "an injected script can carry it: no better than 'unsafe-inline'",
                cite,
                tuple(("nonce", quote(n)) for n in reused[:5]),
            )
        ]
    if second:
        return [
            finding(
                "csp.nonce-changes",
                "The CSP nonce is new on every response",
                cite,
                (("first", quote(sorted(first)[0])), ("second", quote(sorted(second)[0]))),
            )
        ]
    return []


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


def _judge_scripts(
    enforced: tuple[Policy, ...], cite: tuple[str, ...], *, nonce_reused: bool = False
) -> Iterator[Finding]:
    elements = _controlling(enforced, ELEMENT)
    if not elements:
        yield finding(
            "csp.script-unrestricted",
            "The Content-Security-Policy has neither script-src nor default-src, so any script "
            "may run",
            cite,
            tuple(_fact(p) for p in enforced[:3]),
        )
        return

    attributes = _controlling(enforced, ATTRIBUTE)
    code = _controlling(enforced, CODE)
    first = _directive_fact(elements[0])
    holes = nonce_reused
    if all(allows_inline(d) for d in elements):
        holes = True
        yield finding(
            "csp.unsafe-inline",
            f"{elements[0].name} allows 'unsafe-inline' without a nonce or hash, so injected "
            "inline scripts run",
            cite,
            (first,),
        )
    elif not attributes or all(allows_inline(d) for d in attributes):
        holes = True
        which = (
            f"{attributes[0].name} allows 'unsafe-inline'"
            if attributes
            else "No script-src-attr, script-src or default-src limits them"
        )
        yield finding(
            "csp.unsafe-inline",
            f"{which}, so injected event-handler attributes (onclick=…) run",
            cite,
            tuple(_directive_fact(d) for d in attributes[:1]) or (first,),
        )
    if not code or all(d.has("'unsafe-eval'") for d in code):
        holes = True
        which = f"{code[0].name} allows 'unsafe-eval'" if code else "No script-src limits eval()"
        yield finding(
            "csp.unsafe-eval",
            f"{which}, so strings can be run as code",
            cite,
            tuple(_directive_fact(d) for d in code[:1]) or (first,),
        )
    broad = [script_broad_sources(d) for d in elements]
    if all(broad):
        holes = True
        yield finding(
            "csp.script-broad-source",
            f"{elements[0].name} allows {short(broad[0][0])}, so scripts can load from anywhere",
            cite,
            (first, *(("source", quote(s)) for s in broad[0])),
        )
    dynamic = [d for d in elements if d.has("'strict-dynamic'") and not _nonce_or_hash(d)]
    if dynamic:
        yield finding(
            "csp.strict-dynamic-without-nonce",
            f"{dynamic[0].name} has 'strict-dynamic' but no nonce or hash, so browsers ignore "
            "its allow-list and no script can start: the page breaks, or the policy is left "
            "to old browsers",
            cite,
            tuple(_directive_fact(d) for d in dynamic[:3]),
        )
    if not nonce_reused and any(is_strict(p) for p in enforced):
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


def _judge_insecure_sources(
    enforced: tuple[Policy, ...], cite: tuple[str, ...]
) -> Iterator[Finding]:
    """``http:`` and ``ws:`` sources for scripts, plugins and the default: content that anyone on
    the network can replace. Counted only when every policy with such a directive allows it."""
    groups = (
        _controlling(enforced, ELEMENT),
        _controlling(enforced, OBJECTS),
        [d for p in enforced if (d := p.get("default-src")) is not None],
    )
    seen: dict[str, tuple[str, ...]] = {}
    for directives in groups:
        if directives and all(insecure_sources(d) for d in directives):
            seen.setdefault(directives[0].name, insecure_sources(directives[0]))
    if not seen:
        return
    name, sources = next(iter(seen.items()))
    yield finding(
        "csp.insecure-source",
        f"{name} allows {short(sources[0])}, which loads over plain HTTP: anyone on the network "
        "can swap what arrives",
        cite,
        tuple(
            ("source", quote(f"{directive} {source}"))
            for directive, found in seen.items()
            for source in found
        ),
    )


def _judge_objects_and_base(
    enforced: tuple[Policy, ...], cite: tuple[str, ...]
) -> Iterator[Finding]:
    objects = _controlling(enforced, OBJECTS)
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
