"""The CORS probe matrix: which origins and requests the engine sends. Data first, then code.

Each hostile origin class is one row of ``ORIGIN_CLASSES``: a template filled from names derived
from the target's own host (the host, its registrable domain, the scheme). A class whose names do
not exist for a host (an IP address has no registrable domain) is skipped, so IP addresses and
single-label hosts such as ``localhost`` only get the classes that make sense for them.

Every class is sent on a GET. The classes that stand for a whole family of server-side checks are
also sent as a preflight; the many variants of one mistake (one per special character, one per
dot of the host, one per hosting provider or development server) go on a GET only, because a
server's origin check is almost always the same function for both request kinds and the GET
already shows whether the variant is trusted.

Origins attackers really have, besides look-alikes of the site's own name: a page on shared
hosting (anyone can publish at ``<name>.github.io``; ``SHARED_HOSTING`` is the table of such
suffixes, of which a few are probed on every scan and any other only when the frontend or the
target itself lives there), and the development servers a production allow-list often still
names (``DEVELOPMENT_ORIGINS``). A target served over plain ``http://`` also gets the main
look-alikes over ``https://``: allow-lists name https origins even when the API answers on http.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

from checker.cors_vocabulary import normalise_origin, origin_of, parse_url, request_headers_value
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
HOSTING = "hosting"
DEVELOPMENT = "development"

# Requirements a host must meet for a class to make sense.
ANY = "any"  # every host
NAMED = "named"  # not an IPv6 literal (its brackets cannot be followed by more name)
SITE = "site"  # a domain name with a registrable domain (not an IP, not localhost)
HTTPS = "https"  # the target is served over https
DOTTED = "dotted"  # has a dot that an unescaped regex dot would match (see _dot_variants)
DEPLOYED = "deployed"  # the user's frontend is not itself a development server


@dataclass(frozen=True)
class OriginClass:
    """A class of hostile origin.

    ``template`` is filled with ``str.format`` from the target's names (``scheme``, ``host``,
    ``site``) and, for a class with ``variants``, ``{variant}`` from each of them in turn; a
    variant's label is ``<label>-<variant name>``. ``family`` groups labels into one finding.
    A class with ``https_twin`` is sent a second time over https when the target is on http
    (label ``<label>-https``, on a GET only).
    """

    label: str
    template: str
    needs: str = ANY
    preflight: bool = True
    variants: str | None = None  # "special", "dots", "hosting" or "development"
    https_twin: bool = False


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
    OriginClass("prefix", "{scheme}://{host}." + ATTACKER_ZONE, needs=NAMED, https_twin=True),
    # `origin.endswith("shop.example")`: the attacker registers a name ending in it
    OriginClass("suffix", "{scheme}://evil{site}", needs=SITE, https_twin=True),
    # `"shop.example" in origin`
    OriginClass("substring", "{scheme}://{site}." + ATTACKER_ZONE, needs=SITE, https_twin=True),
    # `*.api.shop.example` and `*.shop.example`: fine only if no subdomain can ever be hostile
    OriginClass("subdomain", "{scheme}://x.{host}", needs=SITE, https_twin=True),
    OriginClass("site-subdomain", "{scheme}://x.{site}", needs=SITE, https_twin=True),
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
    # `/^https:\/\/[a-z0-9-]+\.vercel\.app$/` for the preview deploys: anyone can publish there
    OriginClass(HOSTING, "https://{variant}", preflight=False, variants="hosting"),
    # `http://localhost:3000` left in the production allow-list
    OriginClass(DEVELOPMENT, "{variant}", needs=DEPLOYED, preflight=False, variants="development"),
)

# Shared hosting: a suffix under which anyone can publish a page of their own, and who runs it.
# Most are in the private section of the public suffix list too, which is how a frontend on a
# provider missing here is still recognised (see shared_hosting_suffix).
SHARED_HOSTING: tuple[tuple[str, str], ...] = (
    ("github.io", "GitHub Pages"),
    ("gitlab.io", "GitLab Pages"),
    ("vercel.app", "Vercel"),
    ("netlify.app", "Netlify"),
    ("pages.dev", "Cloudflare Pages"),
    ("workers.dev", "Cloudflare Workers"),
    ("trycloudflare.com", "Cloudflare Tunnel"),
    ("herokuapp.com", "Heroku"),
    ("azurewebsites.net", "Azure App Service"),
    ("azurestaticapps.net", "Azure Static Web Apps"),
    ("cloudfront.net", "Amazon CloudFront"),
    ("s3.amazonaws.com", "Amazon S3"),
    ("amplifyapp.com", "AWS Amplify"),
    ("appspot.com", "Google App Engine"),
    ("web.app", "Firebase Hosting"),
    ("firebaseapp.com", "Firebase Hosting"),
    ("ngrok.io", "ngrok"),
    ("ngrok-free.app", "ngrok"),
    ("ngrok.app", "ngrok"),
    ("loca.lt", "localtunnel"),
    ("glitch.me", "Glitch"),
    ("onrender.com", "Render"),
    ("fly.dev", "Fly.io"),
    ("up.railway.app", "Railway"),
    ("deno.dev", "Deno Deploy"),
    ("surge.sh", "Surge"),
    ("replit.dev", "Replit"),
    ("csb.app", "CodeSandbox"),
    ("blogspot.com", "Blogger"),
)

# The providers tried on every scan: those allow-lists name most (preview deploys, project pages,
# tunnels to a developer's machine). One GET each; any other provider of the table is tried only
# when the user's frontend or the target itself is hosted there, so the cost stays bounded.
HOSTING_EVERY_SCAN: tuple[str, ...] = (
    "github.io",
    "vercel.app",
    "netlify.app",
    "herokuapp.com",
    "ngrok-free.app",
)

# Development servers' default origins, the ones a production allow-list most often keeps.
DEVELOPMENT_ORIGINS: tuple[tuple[str, str], ...] = (
    ("localhost-3000", "http://localhost:3000"),  # Create React App, Next.js, Express, Rails
    ("localhost-5173", "http://localhost:5173"),  # Vite
    ("localhost-8080", "http://localhost:8080"),  # Vue CLI, webpack-dev-server, Spring Boot
    ("localhost-4200", "http://localhost:4200"),  # Angular CLI
    ("localhost-8000", "http://localhost:8000"),  # Django, Laravel, python -m http.server
    ("localhost", "http://localhost"),
    ("127-0-0-1-3000", "http://127.0.0.1:3000"),
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
    hosting: tuple[tuple[str, str], ...] = ()  # (variant name, a page's host on shared hosting)
    frontend_is_local: bool = False  # the user's frontend is a development server itself

    def meets(self, need: str) -> bool:
        if need == NAMED:
            return not self.is_ipv6
        if need == SITE:
            return self.site is not None
        if need == HTTPS:
            return self.scheme == "https"
        if need == DOTTED:
            return bool(self.dots)
        if need == DEPLOYED:
            return not self.frontend_is_local
        return True

    def variants(self, kind: str | None) -> tuple[tuple[str, str], ...]:
        if kind == "special":
            return SPECIAL_CHARACTERS
        if kind == "dots":
            return self.dots
        if kind == "hosting":
            return self.hosting
        if kind == "development":
            return DEVELOPMENT_ORIGINS
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


@cache
def _icann_suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def shared_hosting_suffix(host: str | None) -> str | None:
    """The shared-hosting suffix a host is published under (``github.io``), or None.

    The table first (it also holds providers the public suffix list lacks), then the private
    section of the list: a suffix only the full list knows is one that a company hands out to
    its customers, which is what shared hosting is.
    """
    if not host or _is_ip(host):
        return None
    host = host.lower().rstrip(".")
    for suffix, _provider in SHARED_HOSTING:
        if host.endswith("." + suffix):
            return suffix
    full = _public_suffixes().publicsuffix(host)
    if full and full != host and full != _icann_suffixes().publicsuffix(host):
        return full
    return None


def hosting_provider(origin: str | None) -> str | None:
    """Who runs the shared hosting an origin is on ("GitHub Pages"), or None."""
    host = _origin_host(origin)
    suffix = shared_hosting_suffix(host)
    if suffix is None:
        return None
    return dict(SHARED_HOSTING).get(suffix, suffix)


def _origin_host(origin: str | None) -> str | None:
    if not origin or "://" not in origin:
        return None
    url = parse_url(origin)
    return None if url is None or url.opaque else url.host


def is_local_origin(origin: str | None) -> bool:
    """A development server's origin: localhost or a loopback address."""
    host = _origin_host(origin)
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_PLAIN_LABEL = re.compile(r"[a-z0-9]{1,40}")


def _hosting_variants(
    site: str | None, hosts: tuple[str | None, ...]
) -> tuple[tuple[str, str], ...]:
    """A page of the attacker's own on each provider tried: the usual ones, plus the provider the
    frontend or the target is hosted on (an allow-list that admits one tenant of it often admits
    them all).

    The page's name starts with the site's own name (``shopevil.vercel.app``) so that rules meant
    for the site's preview deploys (``shop-*.vercel.app`` written as ``shop.*``) match it too;
    letters and digits only, so that ``[a-z0-9]+`` rules match as well as ``[^.]+`` ones.
    """
    base = site.split(".")[0] if site else ""
    tenant = f"{base}evil" if _PLAIN_LABEL.fullmatch(base) else "corscheckevil"
    suffixes = list(HOSTING_EVERY_SCAN)
    for host in hosts:
        suffix = shared_hosting_suffix(host)
        if suffix is not None and suffix not in suffixes:
            suffixes.append(suffix)
    return tuple((suffix.replace(".", "-"), f"{tenant}.{suffix}") for suffix in suffixes)


def host_names(target: Target, frontend_origin: str | None = None) -> HostNames:
    host = target.host.lower().rstrip(".")
    is_ip = _is_ip(host)
    site = registrable_domain(host)
    frontend = normalise_origin(frontend_origin) if frontend_origin else None
    return HostNames(
        scheme=target.scheme,
        origin=target.origin,
        host=host,
        host_in_url=f"[{host}]" if ":" in host else host,
        site=site,
        is_ip=is_ip,
        is_ipv6=is_ip and ":" in host,
        dots=_dot_variants(host, site),
        hosting=_hosting_variants(site, (_origin_host(frontend), host)),
        frontend_is_local=is_local_origin(frontend),
    )


@dataclass(frozen=True)
class ProbeOrigin:
    label: str
    origin: str
    preflight: bool


def probe_origins(target: Target, frontend_origin: str | None = None) -> list[ProbeOrigin]:
    """Every origin to try, in order, each once: first label wins on a duplicate origin."""
    names = host_names(target, frontend_origin)
    candidates: list[ProbeOrigin] = []
    for row in ORIGIN_CLASSES:
        if not names.meets(row.needs):
            continue
        for variant_name, variant in names.variants(row.variants):
            label = f"{row.label}-{variant_name}" if variant_name else row.label
            fields = {
                "origin": names.origin,
                "host": names.host,
                "host_in_url": names.host_in_url,
                "site": names.site,
                "variant": variant,
            }
            origin = row.template.format(scheme=names.scheme, **fields)
            candidates.append(ProbeOrigin(label, origin, row.preflight))
            if row.https_twin and names.scheme == "http":
                twin = row.template.format(scheme="https", **fields)
                candidates.append(ProbeOrigin(f"{label}-https", twin, False))
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
        if row.https_twin and label == row.label + "-https":
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
    """The origin of a request's URL as a browser serialises it (the vocabulary's)."""
    return origin_of(url) or normalise_origin(url)


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
