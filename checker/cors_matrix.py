"""The CORS probe matrix: which origins and requests the engine sends. Data first, then code.

Each hostile origin class is one row of ``ORIGIN_CLASSES``: a template filled from names derived
from the target's own host (the host, its registrable domain, the scheme). A class whose names do
not exist for a host (an IP address has no registrable domain) is skipped, so IP addresses and
single-label hosts such as ``localhost`` only get the classes that make sense for them.

Every class is sent on a GET. The classes that stand for a whole family of server-side checks are
also sent as a preflight; the many variants of one mistake (one per special character, one per
dot of the host) go on a GET only, because a server's origin check is almost always the same
function for both request kinds and the GET already shows whether the variant is trusted.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from checker.cors_vocabulary import normalise_origin, request_headers_value
from checker.model import ProbeSpec, Target

ARBITRARY_ORIGIN = "https://evil.example"
# A zone the attacker is assumed to own: the tricks append it to the trusted name.
ATTACKER_ZONE = "evil.test"

PREFLIGHT_METHOD = "PUT"
# Written as a browser writes Access-Control-Request-Headers: "authorization,content-type".
PREFLIGHT_HEADERS = request_headers_value(("content-type", "authorization"))

# Probe id prefixes: ``<prefix><label>``. The analyzers tell the request kind from them.
GET_PREFIX = "cors.get."
PREFLIGHT_PREFIX = "cors.preflight."
PRIVATE_NETWORK_PREFIX = "cors.private-network."
ERROR_PREFIX = "cors.error."
# What breaks the trusted origin's own requests (checker.analyze.cors_breakage): a few probes from
# that origin only, never one per class.
REFUSED_PREFIX = "cors.refused."  # a method no server serves: how it answers a refusal
ANONYMOUS_PREFIX = "cors.anonymous."  # an authenticated scan's GET without its extra headers
REDIRECT_PREFIX = "cors.redirect."  # ``cors.redirect.<hop>``: a redirect chain, as a browser asks

SELF = "self"
FRONTEND = "frontend"
ARBITRARY = "arbitrary"

# Requirements a host must meet for a class to make sense.
ANY = "any"  # every host
NAMED = "named"  # not an IPv6 literal (its brackets cannot be followed by more name)
SITE = "site"  # a domain name with a registrable domain (not an IP, not localhost)
HTTPS = "https"  # the target is served over https
DOTTED = "dotted"  # has a dot that an unescaped regex dot would match (see _dot_variants)


@dataclass(frozen=True)
class OriginClass:
    """A class of hostile origin.

    ``template`` is filled with ``str.format`` from the target's names (``scheme``, ``host``,
    ``site``) and, for a class with ``variants``, ``{variant}`` from each of them in turn; a
    variant's label is ``<label>-<variant name>``. ``family`` groups labels into one finding.
    """

    label: str
    template: str
    needs: str = ANY
    preflight: bool = True
    variants: str | None = None  # "special" or "dots": the name list to iterate over


# The characters a URL-standard host parser keeps in a domain name although DNS names never hold
# them (every ASCII punctuation mark that is not a forbidden domain code point, less the dot).
# Some browsers send such an Origin; a server check like `shop\.example[^.]*$` lets them through.
SPECIAL_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("underscore", "_"),
    ("hyphen", "-"),
    ("backtick", "`"),
    ("bang", "!"),
    ("dollar", "$"),
    ("ampersand", "&"),
    ("quote", "'"),
    ("double-quote", '"'),
    ("open-paren", "("),
    ("close-paren", ")"),
    ("asterisk", "*"),
    ("plus", "+"),
    ("comma", ","),
    ("semicolon", ";"),
    ("equals", "="),
    ("tilde", "~"),
    ("open-brace", "{"),
    ("close-brace", "}"),
)

# The first label wins when two classes produce the same origin for a host (for `shop.example`
# the subdomain of the host and of the registrable domain are one origin), so the order matters:
# the origins the site is expected to trust come first.
ORIGIN_CLASSES: tuple[OriginClass, ...] = (
    OriginClass(SELF, "{origin}"),
    OriginClass(ARBITRARY, ARBITRARY_ORIGIN),
    OriginClass("null", "null"),
    # `origin.startswith("https://api.shop.example")`
    OriginClass("prefix", "{scheme}://{host}." + ATTACKER_ZONE, needs=NAMED),
    # `origin.endswith("shop.example")`: the attacker registers a name ending in it
    OriginClass("suffix", "{scheme}://evil{site}", needs=SITE),
    # `"shop.example" in origin`
    OriginClass("substring", "{scheme}://{site}." + ATTACKER_ZONE, needs=SITE),
    # `*.api.shop.example` and `*.shop.example`: fine only if no subdomain can ever be hostile
    OriginClass("subdomain", "{scheme}://x.{host}", needs=SITE),
    OriginClass("site-subdomain", "{scheme}://x.{site}", needs=SITE),
    # the same host over plain http, which anyone on the path can impersonate
    OriginClass("http", "http://{host_in_url}", needs=HTTPS),
    # `^https://api.shop.example$` as a regex: each dot matches any character
    OriginClass(
        "unescaped-dot", "{scheme}://{variant}", needs=DOTTED, preflight=False, variants="dots"
    ),
    # `shop\.example[^.]*` and friends
    OriginClass(
        "special",
        "{scheme}://{site}{variant}." + ATTACKER_ZONE,
        needs=SITE,
        preflight=False,
        variants="special",
    ),
)

# Past this many dots the host's leftmost labels are not tried: deep names would add many probes
# for regexes that almost always name the few labels nearest the registrable domain.
MAX_DOT_VARIANTS = 4


@dataclass(frozen=True)
class HostNames:
    """The names the templates are filled with, derived once from the target."""

    scheme: str
    origin: str
    host: str
    host_in_url: str  # the host as it appears in a URL (IPv6 in brackets)
    site: str | None  # the registrable domain, None for IPs, single labels and public suffixes
    is_ip: bool
    is_ipv6: bool
    dots: tuple[tuple[str, str], ...]  # (variant name, host with one dot replaced)

    def meets(self, need: str) -> bool:
        if need == NAMED:
            return not self.is_ipv6
        if need == SITE:
            return self.site is not None
        if need == HTTPS:
            return self.scheme == "https"
        if need == DOTTED:
            return bool(self.dots)
        return True

    def variants(self, kind: str | None) -> tuple[tuple[str, str], ...]:
        if kind == "special":
            return SPECIAL_CHARACTERS
        if kind == "dots":
            return self.dots
        return (("", ""),)


@cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # parses the bundled list once per process


def registrable_domain(host: str) -> str | None:
    """The name one can register (``shop.example`` for ``api.shop.example``), or None."""
    if _is_ip(host) or "." not in host:
        return None
    return _public_suffixes().privatesuffix(host)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _dot_variants(host: str, site: str | None) -> tuple[tuple[str, str], ...]:
    """The host with one dot replaced by a letter, for each dot an attacker can exploit.

    The last dot is never replaced: that would change the top-level domain, and a name such as
    `api.shopxexample` cannot be registered. Every other dot gives a name under the same top-level
    domain (`apixshop.example`, or `api.shopxco.uk` under `.uk`) that anyone can buy.
    """
    if site is None:
        return ()
    positions = [index for index, char in enumerate(host) if char == "."][:-1]
    positions = positions[-MAX_DOT_VARIANTS:]
    return tuple(
        (str(number), host[:at] + "x" + host[at + 1 :])
        for number, at in enumerate(reversed(positions), start=1)
    )


def host_names(target: Target) -> HostNames:
    host = target.host.lower().rstrip(".")
    is_ip = _is_ip(host)
    site = registrable_domain(host)
    return HostNames(
        scheme=target.scheme,
        origin=target.origin,
        host=host,
        host_in_url=f"[{host}]" if ":" in host else host,
        site=site,
        is_ip=is_ip,
        is_ipv6=is_ip and ":" in host,
        dots=_dot_variants(host, site),
    )


@dataclass(frozen=True)
class ProbeOrigin:
    label: str
    origin: str
    preflight: bool


def probe_origins(target: Target, frontend_origin: str | None = None) -> list[ProbeOrigin]:
    """Every origin to try, in order, each once: first label wins on a duplicate origin."""
    names = host_names(target)
    candidates: list[ProbeOrigin] = []
    for row in ORIGIN_CLASSES:
        if not names.meets(row.needs):
            continue
        for variant_name, variant in names.variants(row.variants):
            label = f"{row.label}-{variant_name}" if variant_name else row.label
            origin = row.template.format(
                scheme=names.scheme,
                origin=names.origin,
                host=names.host,
                host_in_url=names.host_in_url,
                site=names.site,
                variant=variant,
            )
            candidates.append(ProbeOrigin(label, origin, row.preflight))
        if row.label == SELF and frontend_origin:
            candidates.append(ProbeOrigin(FRONTEND, normalise_origin(frontend_origin), True))
    seen: set[str] = set()
    unique: list[ProbeOrigin] = []
    for candidate in candidates:
        if candidate.origin not in seen:
            seen.add(candidate.origin)
            unique.append(candidate)
    return unique


def origin_family(label: str | None) -> str | None:
    """The class a label belongs to: ``special-underscore`` → ``special``."""
    if label is None:
        return None
    for row in ORIGIN_CLASSES:
        if label == row.label or (row.variants and label.startswith(row.label + "-")):
            return row.label
    return label  # frontend, or a label from a newer matrix


def error_path(token: str | None = None) -> str:
    """A page that surely does not exist, to see how error responses are served.

    Relative, so it is asked beside the checked URL (``/api/v1/users`` → ``/api/v1/…-404``): an
    API under a prefix answers its own errors there, while the site's root may be another app.
    """
    return f"{token or secrets.token_hex(6)}-corscheck-404"


def _get(label: str, origin: str) -> ProbeSpec:
    return ProbeSpec(f"{GET_PREFIX}{label}", "GET", (("Origin", origin),), label)


def _preflight(label: str, origin: str) -> ProbeSpec:
    headers = (
        ("Origin", origin),
        ("Access-Control-Request-Method", PREFLIGHT_METHOD),
        ("Access-Control-Request-Headers", PREFLIGHT_HEADERS),
    )
    return ProbeSpec(f"{PREFLIGHT_PREFIX}{label}", "OPTIONS", headers, label)


def _private_network(origin: str) -> ProbeSpec:
    # A public page reaching into a private network: what Chromium asks before it lets it.
    headers = (
        ("Origin", origin),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Private-Network", "true"),
    )
    return ProbeSpec(f"{PRIVATE_NETWORK_PREFIX}{ARBITRARY}", "OPTIONS", headers, ARBITRARY)


def _error(label: str, origin: str, token: str | None) -> ProbeSpec:
    return ProbeSpec(
        f"{ERROR_PREFIX}{label}", "GET", (("Origin", origin),), label, path=error_path(token)
    )


def trusted_origin(target: Target, frontend_origin: str | None = None) -> ProbeOrigin:
    """The origin the site most likely trusts: the user's frontend, else the site itself."""
    origins = probe_origins(target, frontend_origin)
    return next((o for o in origins if o.label == FRONTEND), origins[0])


def cors_probes(
    target: Target,
    frontend_origin: str | None = None,
    *,
    token: str | None = None,
    authenticated: bool = False,
) -> list[ProbeSpec]:
    """The probes for one final URL.

    A GET per origin, a preflight per main class, one Private Network Access preflight from a
    foreign origin, and from the origin the site most likely trusts (the user's frontend, else
    the site itself): one GET of a missing page, to see whether error answers keep CORS headers,
    one request with a method no server serves and, for an ``authenticated`` scan, one GET
    without the extra headers, to see whether the endpoint's own refusals keep them.
    ``token`` fixes the missing page's name (tests); by default it is random, so no cache holds it.
    """
    origins = probe_origins(target, frontend_origin)
    specs: list[ProbeSpec] = [_get(o.label, o.origin) for o in origins]
    specs.extend(_preflight(o.label, o.origin) for o in origins if o.preflight)
    specs.append(_private_network(ARBITRARY_ORIGIN))
    trusted = next((o for o in origins if o.label == FRONTEND), origins[0])
    specs.append(_error(trusted.label, trusted.origin, token))
    specs.extend(_refusals(trusted, authenticated))
    return specs


# A method name no server implements, so asking for it cannot change anything: the answer shows
# how the endpoint refuses a method (405 or 501), the same way it refuses a PUT it does not serve.
REFUSED_METHOD = "CORSCHECK"
# The most hops of a redirect chain sent again with an Origin (the first ones and the last).
MAX_REDIRECT_PROBES = 4


def _refusals(trusted: ProbeOrigin, authenticated: bool) -> list[ProbeSpec]:
    origin = (("Origin", trusted.origin),)
    specs = [ProbeSpec(f"{REFUSED_PREFIX}{trusted.label}", REFUSED_METHOD, origin, trusted.label)]
    if authenticated:
        anonymous = f"{ANONYMOUS_PREFIX}{trusted.label}"
        specs.append(ProbeSpec(anonymous, "GET", origin, trusted.label, credentials=False))
    return specs


def url_origin(url: str) -> str:
    """The origin of a URL as a browser serialises it."""
    parts = urlsplit(url)
    return normalise_origin(f"{parts.scheme}://{parts.netloc}")


def redirect_origins(urls: Sequence[str], origin: str) -> list[str | None]:
    """The Origin header a page on ``origin`` sends at each URL of a redirect chain it fetches.

    None while the request is still same-origin (no Origin, no CORS check). Once a hop is
    cross-origin, every later answer needs CORS headers (the request stays in CORS mode). The
    Fetch standard's HTTP-redirect fetch taints the origin when a redirect goes from one origin
    to another while the request is already cross-origin: from then on the header says ``null``.
    """
    sent: list[str | None] = []
    cross = tainted = False
    for index, url in enumerate(urls):
        here = url_origin(url)
        if index and url_origin(urls[index - 1]) != here and url_origin(urls[index - 1]) != origin:
            tainted = True
        cross = cross or here != origin
        sent.append(("null" if tainted else origin) if cross else None)
    return sent


def redirect_probes(urls: Sequence[str], trusted: ProbeOrigin) -> list[ProbeSpec]:
    """The hops of a redirect chain once more, each alone and with the Origin a browser would
    send there, so the redirect answers and the last one show their CORS headers. Nothing for a
    chain without a redirect, and at most ``MAX_REDIRECT_PROBES`` hops (the last one always).

    A page on an https origin never calls an http URL (browsers block or upgrade mixed content),
    so the chain's leading http hops, such as a bare name's ``http://`` start, are left out."""
    skip = 0  # probe ids keep the hop's number in the whole chain
    if trusted.origin.startswith("https://"):
        skip = next((i for i, url in enumerate(urls) if url.startswith("https://")), len(urls))
        urls = urls[skip:]
    if len(urls) < 2:
        return []
    sent = redirect_origins(urls, trusted.origin)
    hops = [index for index, origin in enumerate(sent) if origin is not None]
    if len(hops) > MAX_REDIRECT_PROBES:
        hops = [*hops[: MAX_REDIRECT_PROBES - 1], hops[-1]]
    return [
        ProbeSpec(
            f"{REDIRECT_PREFIX}{skip + hop}",
            "GET",
            (("Origin", sent[hop] or ""),),
            trusted.label,
            path=urls[hop],
        )
        for hop in hops
    ]
