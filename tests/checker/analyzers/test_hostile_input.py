"""Property tests: hostile header values never make a parser or an analyzer raise."""

import re
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.analyze import ANALYZERS
from checker.cors_matrix import ARBITRARY, GET_PREFIX, PREFLIGHT_PREFIX
from checker.findings import CATALOGUE
from checker.headers import cookies as cookie_parser
from checker.headers import csp as csp_parser
from checker.headers import hsts as hsts_parser
from checker.headers import permissions as permissions_parser
from checker.headers.meta import http_equiv
from checker.model import Exchange, Finding, Request, Severity
from tests.checker.analyzers.build import chain, exchange, redirect

# Pieces of real header syntax, so that generated values get past the first character.
FRAGMENTS = (
    "max-age",
    "=",
    ";",
    ",",
    " ",
    "\t",
    "'",
    '"',
    "\\",
    "31536000",
    "0",
    "-1",
    "includeSubDomains",
    "preload",
    "script-src",
    "default-src",
    "object-src",
    "base-uri",
    "frame-ancestors",
    "'self'",
    "'none'",
    "'unsafe-inline'",
    "'nonce-",
    "'sha256-",
    "'strict-dynamic'",
    "*",
    "https:",
    "data:",
    "self",
    "Secure",
    "HttpOnly",
    "SameSite",
    "None",
    "Lax",
    "__Host-",
    "__Secure-",
    "Path=/",
    "Domain",
    "Max-Age",
    "Expires",
    "DENY",
    "ALLOW-FROM",
    "nosniff",
    "unsafe-url",
    "same-origin",
    "require-corp",
    "()",
    "(",
    ")",
    "geolocation",
    "nginx/1.2",
    "\x00",
    "\r\n",
    "\x7f",
    "é",
    "\u202e",
    "\ud800",
    "<",
    ">",
    "<meta http-equiv=content-security-policy content=",
    "<head>",
    "</head>",
    "<![",
    "&#",
    "<script src=",
    "<link rel=stylesheet href=",
    "<base href=",
    " integrity=",
    "sha384-",
    "//cdn.example/",
    "http://[::1",
    "http:",
    "ws:",
    "script-src-elem",
    "script-src-attr",
    "9" * 40,
)
hostile = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(blacklist_categories=()), max_size=8),
    ),
    max_size=25,
).map("".join)
HEADER_NAMES = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Feature-Policy",
    "Cross-Origin-Opener-Policy",
    "Cross-Origin-Embedder-Policy",
    "Cross-Origin-Resource-Policy",
    "Set-Cookie",
    "Server",
    "X-Powered-By",
    "X-AspNet-Version",
    "X-XSS-Protection",
    "Expect-CT",
    "Public-Key-Pins",
    "Location",
)
headers = st.lists(st.tuples(st.sampled_from(HEADER_NAMES), hostile), max_size=12)
urls = st.sampled_from(("https://example.com/", "http://example.com/", "https://example.dev/x"))

PROPERTY = settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(hostile)
def test_the_hsts_parser_never_raises(value):
    header = hsts_parser.parse(value)
    assert header.valid == (not header.problems)
    assert header.max_age is None or header.max_age >= 0


@PROPERTY
@given(hostile)
def test_the_csp_parser_never_raises(value):
    for policy in csp_parser.parse_header(value):
        for directive in policy.directives:
            assert directive.name == directive.name.lower()
            for source in directive.sources:
                csp_parser.classify(source)


@PROPERTY
@given(hostile)
def test_the_cookie_parser_never_raises(value):
    cookie = cookie_parser.parse_set_cookie(value)
    cookie.secure, cookie.same_site, cookie.domain, cookie.path  # noqa: B018
    assert cookie.raw == value


@PROPERTY
@given(hostile)
def test_the_permissions_parser_and_meta_reader_never_raise(value):
    permissions_parser.parse(value)
    http_equiv(value, "content-security-policy")


ID = re.compile(r"[a-z-]+\.[a-z0-9]+(?:-[a-z0-9]+)*")
PROBE_PREFIXES = (GET_PREFIX, PREFLIGHT_PREFIX)


def cors_probe(url, prefix, header_list):
    sent = exchange(url, header_list, probe=f"{prefix}{ARBITRARY}")
    request = replace(sent.request, headers=(("Origin", "https://evil.example"),))
    return replace(sent, request=request, origin_label=ARBITRARY)


def check(findings):
    findings = list(findings)
    for finding in findings:
        assert isinstance(finding, Finding)
        assert ID.fullmatch(finding.id) and finding.id in CATALOGUE, finding.id
        assert isinstance(finding.severity, Severity)
        assert finding.glossary and finding.exchanges
        assert all(ch.isprintable() for ch in finding.title), finding.title
        assert len(finding.title) < 400
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in finding.facts)
    return findings


@PROPERTY
@given(headers, hostile, urls)
def test_every_analyzer_returns_findings_for_hostile_headers(header_list, body, url):
    # Every registered analyzer, CORS and TLS included: the CORS probes carry the same headers.
    observation = replace(
        chain(exchange(url, header_list, body=body)),
        probes=tuple(cors_probe(url, prefix, header_list) for prefix in PROBE_PREFIXES),
        tls_error=body,
    )
    for analyzer in ANALYZERS:
        check(analyzer(observation))


@PROPERTY
@given(headers, hostile, urls)
def test_every_analyzer_copes_with_a_hostile_redirect_chain(header_list, location, url):
    observation = chain(
        redirect(url, location, probe="main.0", headers=header_list),
        redirect("https://example.com/next", location, probe="main.1", headers=header_list),
    )
    for analyzer in ANALYZERS:
        check(analyzer(observation))


@PROPERTY
@given(headers, hostile, hostile)
def test_every_analyzer_copes_with_hostile_side_probes(header_list, location, body):
    # The way from http:// to HTTPS, the https:// probe and the page fetched again.
    observation = replace(
        chain(exchange("https://example.com/", header_list, body=body)),
        http_chain=(redirect("http://example.com/", location, probe="http.0"),),
        https_probe=Exchange("https.0", Request("GET", "https://example.com/"), error=location),
        refetch=exchange("https://example.com/", header_list, body=body, probe="page.again"),
    )
    for analyzer in ANALYZERS:
        check(analyzer(observation))
