"""The engine's data: frozen dataclasses that travel from retrieve to analyze to grade.

Everything here serialises to plain JSON (``to_dict``) and back (``from_dict``) so that a stored
report can be read by a later version of the code. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from checker.netguard import DEFAULT_PORTS, PortRanges
from checker.request_headers import check_request_headers

Headers = tuple[tuple[str, str], ...]


class Severity(enum.StrEnum):
    """Ordered from worst to best; ``rank`` gives the sort key."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    PASS = "pass"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Status(enum.StrEnum):
    """How a scan ended, from the engine's point of view."""

    OK = "ok"  # the site answered; findings are meaningful
    UNREACHABLE = "unreachable"  # DNS failure, refused, timeout, TLS failure on the first request
    REFUSED = "refused"  # our own guard refused the address (private, loopback, ...)
    INVALID = "invalid"  # the input is not a usable target
    REDIRECTS = "redirects"  # the redirects loop or go on too long: there is no page to grade
    ERROR = "error"  # the engine itself failed: a bug of ours, never the site's doing


def headers_from_list(items: Any) -> Headers:
    """Headers read back from JSON, where each pair became a list."""
    return tuple((str(k), str(v)) for k, v in items or ())


def header_values(headers: Headers, name: str) -> list[str]:
    """All values of a header, in order, matching the name case-insensitively."""
    name = name.lower()
    return [value for key, value in headers if key.lower() == name]


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of a header, or None when absent."""
    values = header_values(headers, name)
    return values[0] if values else None


@dataclass(frozen=True)
class Target:
    """A normalised scan target: what the user typed, made into one absolute URL."""

    raw: str
    scheme: str  # "http" or "https"
    host: str  # lower case, IDNA (punycode) form, no brackets for IPv6
    port: int  # explicit or the scheme's default
    path: str  # path plus query, always starting with "/"
    explicit_scheme: bool = True  # False when the user typed no scheme: try http then https

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.default_port else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def url(self) -> str:
        return f"{self.origin}{self.path}"

    @property
    def spec(self) -> str:
        """What to scan, as text that ``parse_target`` reads back into this same target.

        The URL when a scheme was typed; otherwise host, port and path without a scheme, so a
        scan started from it still tries http:// first, as one started from the typed input.
        """
        return self.url if self.explicit_scheme else f"{self.netloc}{self.path}"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Headers = ()

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers = ()
    http_version: str = "HTTP/1.1"
    # The first bytes of the body, decoded leniently; capped by the engine. Left out of repr:
    # asyncio.run formats its result's repr when it ends, and a body can be the cap's size.
    body: str = field(default="", repr=False)
    body_truncated: bool = False
    body_error: str | None = None  # a sentence when the body could not be decompressed

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def header_all(self, name: str) -> list[str]:
        return header_values(self.headers, name)

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and self.header("location") is not None


@dataclass(frozen=True)
class Exchange:
    """One request the engine sent and what came back (or why nothing did).

    ``probe`` is a stable id of the probe that made it, for example ``main.0`` for the first hop
    of the redirect chain, or ``cors.get.arbitrary`` for a CORS probe. Findings cite exchanges by
    this id.
    """

    probe: str
    request: Request
    response: Response | None = None
    error: str | None = None  # a human sentence when no response arrived
    address: str | None = None  # the IP address actually connected to
    elapsed_ms: float = 0.0
    origin_label: str | None = None  # for CORS probes: which class of origin was sent
    timed_out: bool = False  # the request ran out of its deadline (a response may still be kept)

    @property
    def ok(self) -> bool:
        return self.response is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        resp = data.get("response")
        return cls(
            probe=data["probe"],
            request=Request(
                method=data["request"]["method"],
                url=data["request"]["url"],
                headers=headers_from_list(data["request"].get("headers")),
            ),
            response=None
            if resp is None
            else Response(
                status=resp["status"],
                headers=headers_from_list(resp.get("headers")),
                http_version=resp.get("http_version", "HTTP/1.1"),
                body=resp.get("body", ""),
                body_truncated=resp.get("body_truncated", False),
                body_error=resp.get("body_error"),
            ),
            error=data.get("error"),
            address=data.get("address"),
            elapsed_ms=data.get("elapsed_ms", 0.0),
            origin_label=data.get("origin_label"),
            timed_out=data.get("timed_out", False),
        )


@dataclass(frozen=True)
class Endpoint:
    """One path of an API to probe, as written (``/users/{id}``), with its methods; ``example``
    is the path to request when its document said what its parameters hold (else each
    ``{name}`` becomes a placeholder)."""

    path: str
    methods: tuple[str, ...] = ("GET",)
    example: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "methods": list(self.methods)}
        if self.example is not None:
            data["example"] = self.example
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Endpoint:
        example = data.get("example")
        return cls(
            str(data["path"]),
            tuple(str(m) for m in data.get("methods", ("GET",))),
            None if example is None else str(example),
        )


@dataclass(frozen=True)
class EndpointResult:
    """What a whole-API scan probed on one endpoint: the URL asked (templates filled), the
    probe ids of its CORS table, and the ids of the findings seen there."""

    path: str
    url: str
    methods: tuple[str, ...]
    probes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    error: str | None = None  # why the endpoint could not be probed, if it could not

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EndpointResult:
        return cls(
            path=data["path"],
            url=data["url"],
            methods=tuple(data.get("methods", ())),
            probes=tuple(data.get("probes", ())),
            findings=tuple(data.get("findings", ())),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class Observation:
    """Everything ``retrieve`` collected for one target: the analyzers' only input."""

    target: Target
    chain: tuple[Exchange, ...]  # the main GET and each redirect hop; the last is the final page
    probes: tuple[Exchange, ...] = ()  # CORS probes sent to the final URL
    frontend_origin: str | None = None  # the user's own frontend origin, if given
    tls_error: str | None = None  # set when the certificate failed verification (then re-fetched)
    # The way to HTTPS, when the main chain did not start on plain HTTP: ``http://host/`` and
    # the redirects after it (probes ``http.0``, ``http.1``, ...).
    http_chain: tuple[Exchange, ...] = ()
    # Why that plain-HTTP probe was not sent (an IP address, a port the guard refuses), if so.
    http_not_probed: str | None = None
    # ``https://host/`` (probe ``https.0``), when the main chain never reached HTTPS: is there
    # HTTPS at all?
    https_probe: Exchange | None = None
    # The final page fetched a second time (probe ``page.again``), when its CSP has a nonce:
    # a nonce that comes back the same is no secret.
    refetch: Exchange | None = None
    # Whole-API scans (checker.endpoints): each endpoint asked for, its probes, and a sentence
    # when the list was cut or the OpenAPI document could not be used.
    endpoints: tuple[EndpointResult, ...] = ()
    endpoint_probes: tuple[Exchange, ...] = ()
    endpoints_note: str | None = None

    @property
    def final(self) -> Exchange:
        return self.chain[-1]

    @property
    def final_url(self) -> str:
        return self.final.request.url

    @property
    def is_https(self) -> bool:
        return self.final_url.startswith("https://")

    def probe(self, probe_id: str) -> Exchange | None:
        for exchange in self.probes:
            if exchange.probe == probe_id:
                return exchange
        return None

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        extra = tuple(e for e in (self.https_probe, self.refetch) if e is not None)
        return self.chain + self.http_chain + extra + self.probes + self.endpoint_probes


@dataclass(frozen=True)
class Finding:
    """One judgement about the site.

    ``id`` is the contract between engine, scoring table, glossary, UI, API and emails: kebab-case
    words after an area prefix, e.g. ``cors.reflect-origin-credentials``. ``glossary`` names the
    entry that explains it; ``exchanges`` cites the probe ids whose evidence supports it; ``facts``
    are the specific values that made the verdict (header value seen, origin sent, ...).
    """

    id: str
    severity: Severity
    title: str  # a one-line verdict in plain words, specific to this site
    glossary: str  # slug of the glossary entry that explains the concept and the fix
    exchanges: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class ScoreLine:
    finding: str
    modifier: int


@dataclass(frozen=True)
class AddressDifference:
    """One header (or the status) that one address answered unlike the first address.

    ``probe`` is the probe id the two answers share (``main.N`` for the final page, a CORS probe
    id otherwise); ``first`` and ``here`` are the values, None where the header was absent.
    """

    probe: str
    header: str  # lower-case header name, or "status"
    first: str | None
    here: str | None


@dataclass(frozen=True)
class AddressResult:
    """What one address of the final host answered, when the name has several (see
    checker.addresses). The first address is the scan's own; each other one got the final URL
    and its CORS probes again, stored in ``Report.exchanges`` under ``<address>/<probe id>``."""

    address: str
    status: int | None = None  # the final URL's status there; None when it did not answer
    error: str | None = None  # why it did not answer, when it did not
    timed_out: bool = False  # it ran out of time: nothing judged, not counted as a difference
    probes: int = 0  # requests sent to this address for the comparison
    only_here: tuple[str, ...] = ()  # ids of findings seen on this address and not the first
    differences: tuple[AddressDifference, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddressResult:
        return cls(
            address=str(data["address"]),
            status=data.get("status"),
            error=data.get("error"),
            timed_out=data.get("timed_out", False),
            probes=data.get("probes", 0),
            only_here=tuple(data.get("only_here", ())),
            differences=tuple(AddressDifference(**d) for d in data.get("differences", ())),
        )


@dataclass(frozen=True)
class Report:
    target: Target
    status: Status
    message: str = ""  # a human sentence for statuses other than OK
    algorithm_version: int = 1
    started_at: str = ""  # ISO 8601, UTC
    duration_ms: float = 0.0
    exchanges: tuple[Exchange, ...] = ()
    chain: tuple[str, ...] = ()  # probe ids of the redirect chain, in order
    findings: tuple[Finding, ...] = ()
    score: int | None = None
    grade: str | None = None
    score_lines: tuple[ScoreLine, ...] = ()
    grade_cap: str | None = None  # set when a finding capped the grade, names the cap letter
    frontend_origin: str | None = None
    requests_sent: int = 0
    tls_error: str | None = None
    # How the answer was graded: "page" or "api" (see checker.classify), why, and what kind of
    # answer it was ("document", "api", "redirect", "error"). Reports from before profiles
    # were graded as pages.
    profile: str = "page"
    profile_reason: str = ""
    response_kind: str = ""
    # Findings whose catalogue row does not apply to the profile: shown apart, scored 0.
    not_applicable: tuple[Finding, ...] = ()
    # Authenticated scans: the names of the extra headers given (never their values), and a
    # sentence when they were held back from requests that would otherwise have carried them.
    request_headers: tuple[str, ...] = ()
    request_headers_note: str | None = None
    # Whole-API scans: one entry per endpoint probed (its CORS table is its probes), and a
    # sentence when the list was cut or the OpenAPI document could not be used.
    endpoints: tuple[EndpointResult, ...] = ()
    endpoints_note: str | None = None
    # A final host with several addresses: each address probed, the first being the scan's own
    # (empty when the host has one), and those left out by ``Options.max_addresses``.
    addresses: tuple[AddressResult, ...] = ()
    addresses_not_probed: tuple[str, ...] = ()

    @property
    def final_url(self) -> str | None:
        if not self.chain:
            return None
        return self.exchange(self.chain[-1]).request.url

    @property
    def timed_out_probes(self) -> tuple[str, ...]:
        """Probe ids that ran out of time before any answer came, so nothing was judged on them."""
        return tuple(e.probe for e in self.exchanges if e.timed_out and e.response is None)

    def exchange(self, probe_id: str) -> Exchange:
        found = self.find_exchange(probe_id)
        if found is None:
            raise KeyError(probe_id)
        return found

    def find_exchange(self, probe_id: str) -> Exchange | None:
        """The exchange of that probe, or None: a report from an older engine may cite a probe
        it did not store."""
        return next((e for e in self.exchanges if e.probe == probe_id), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        def finding(f: dict[str, Any]) -> Finding:
            return Finding(
                id=f["id"],
                severity=Severity(f["severity"]),
                title=f["title"],
                glossary=f["glossary"],
                exchanges=tuple(f.get("exchanges", ())),
                facts=tuple((str(k), str(v)) for k, v in f.get("facts", ())),
            )

        return cls(
            target=Target(**data["target"]),
            status=Status(data["status"]),
            message=data.get("message", ""),
            algorithm_version=data.get("algorithm_version", 1),
            started_at=data.get("started_at", ""),
            duration_ms=data.get("duration_ms", 0.0),
            exchanges=tuple(Exchange.from_dict(e) for e in data.get("exchanges", ())),
            chain=tuple(data.get("chain", ())),
            findings=tuple(finding(f) for f in data.get("findings", ())),
            score=data.get("score"),
            grade=data.get("grade"),
            score_lines=tuple(ScoreLine(**line) for line in data.get("score_lines", ())),
            grade_cap=data.get("grade_cap"),
            frontend_origin=data.get("frontend_origin"),
            requests_sent=data.get("requests_sent", 0),
            tls_error=data.get("tls_error"),
            profile=data.get("profile", "page"),
            profile_reason=data.get("profile_reason", ""),
            response_kind=data.get("response_kind", ""),
            not_applicable=tuple(finding(f) for f in data.get("not_applicable", ())),
            request_headers=tuple(str(name) for name in data.get("request_headers", ())),
            request_headers_note=data.get("request_headers_note"),
            endpoints=tuple(EndpointResult.from_dict(e) for e in data.get("endpoints", ())),
            endpoints_note=data.get("endpoints_note"),
            addresses=tuple(AddressResult.from_dict(a) for a in data.get("addresses", ())),
            addresses_not_probed=tuple(str(a) for a in data.get("addresses_not_probed", ())),
        )


@dataclass(frozen=True)
class Options:
    """Settings the caller passes in; the engine reads no global configuration."""

    allow_networks: tuple[str, ...] = ()  # CIDRs the SSRF guard lets through (tests, local dev)
    allowed_ports: PortRanges = DEFAULT_PORTS  # (low, high) ranges; see netguard.parse_ports
    timeout: float = 10.0  # per network operation, seconds
    deadline: float = 45.0  # for the whole scan, seconds
    simulation_deadline: float = 15.0  # for one live "Will my request work?" simulation, seconds
    probe_deadline: float = 10.0  # for each request, start to end; never past the scan's deadline
    max_redirects: int = 10
    max_body_bytes: int = 256 * 1024
    # Simultaneous requests per scan: enough for all of a scan's probes at once (at most 58
    # CORS probes with the redirect hops and the anonymous GET, the way to HTTPS, the HTTPS check
    # and the page again), so the look around the final page costs one round trip instead of
    # several. It stays a cap, because each is a
    # connection of its own to one host: 64 small requests in one burst, once per scan, none
    # reading a body nor retried, is about what a browser opening a page with many images sends
    # over six connections, and less than most servers' per-client limits. Batch callers bound
    # the number of scans at once; each scan is its own host's only burst.
    concurrency: int = 64
    verify_tls: bool = True
    ca_bundle: str | None = None  # a CA file to trust instead of the system store (tests)
    user_agent: str = "corscheck/0.1 (CORS and security-header checker)"
    frontend_origin: str | None = None
    # Where the way to HTTPS is probed: ``http://host/`` on port 80 and, for a site that stays
    # on plain HTTP, ``https://host/`` on 443, as a browser does for a typed name. Only tests
    # change them: their servers listen on random ports.
    http_probe_port: int = 80
    https_probe_port: int = 443
    profile: str | None = None  # "page" or "api" to grade by; None: by the kind of answer
    # Authenticated scans: headers (Authorization, Cookie, ...) sent to the target's origin on
    # the main request and the actual-request probes, never on preflights (see
    # checker.request_headers). Never stored: a report names them only, with the values redacted.
    # Checked when the Options are made: RequestHeaderError says what is wrong. Left out of
    # repr, so a traceback or a log line that shows the Options does not show the secrets.
    request_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # Whole-API scans (checker.endpoints): the paths to probe besides the target, or the URL of
    # an OpenAPI 3 document the engine fetches through its guard; at most ``max_endpoints``.
    endpoints: tuple[Endpoint, ...] = ()
    openapi_url: str | None = None
    max_endpoints: int = 20
    # A final host whose name has several addresses is probed on each, up to this many (the
    # first included): a load balancer with one stale node answers differently on it.
    max_addresses: int = 4
    # Told each step of the scan as it happens (see Progress); called on the event loop's
    # thread, so it must return at once (the worker hands it to a thread of its own).
    progress: Callable[[Progress], None] | None = field(default=None, repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_headers", check_request_headers(self.request_headers))

    def tell(self, step: str, answered: int = 0, planned: int = 0) -> None:
        if self.progress is not None:
            self.progress(Progress(step, answered, planned))


@dataclass(frozen=True)
class Progress:
    """Where a scan is: ``resolving`` the name, ``answered`` (the first answer came), ``probing``
    (``answered`` of ``planned`` probes have their answer) or ``analysing`` the answers."""

    STEPS: ClassVar[tuple[str, ...]] = ("resolving", "answered", "probing", "analysing")

    step: str
    answered: int = 0
    planned: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "answered": self.answered, "planned": self.planned}


@dataclass(frozen=True)
class ProbeSpec:
    """A request the engine should send to the final URL, besides the main GET.

    ``id`` becomes the ``Exchange.probe`` of the result; ``origin_label`` names the class of origin
    (``arbitrary``, ``null``, ``prefix``, ...) so analyzers can tell what a reflection means.
    """

    id: str
    method: str
    headers: Headers = ()
    origin_label: str | None = None
    path: str | None = None  # a path to request instead of the final URL (e.g. a 404 probe)
    # Whether the extra request headers of an authenticated scan may go with it (a preflight
    # never carries them): False for the probe that asks as a visitor who is not logged in.
    credentials: bool = True
