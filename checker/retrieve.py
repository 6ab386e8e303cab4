"""The network side of a scan: one pooled httpx client, pinned addresses, capped reads.

Every host is resolved once by ``netguard`` and the connection goes to the address that was
checked (``PinnedBackend``), so a second DNS answer cannot steer us elsewhere; the URL keeps the
real name, so the Host header and TLS SNI are the site's own. Redirects are followed here, hop by
hop, so each new host and port is checked before anything is sent to it. Bodies are streamed,
decompressed here with a bound on the output and cut at a cap; probes read no body at all.
Cookie values never leave this module: headers are stored with them redacted. Neither do the
extra headers of an authenticated scan (``Options.request_headers``): they go only to the
target's own origin, on the requests a browser would send its credentials with, and every
exchange records them as ``<redacted>``.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpcore
import httpx

from checker import endpoints, netguard, wire
from checker.cors_matrix import cors_probes, redirect_probes, trusted_origin
from checker.headers import csp
from checker.headers.cookies import redact_headers
from checker.headers.meta import http_equiv
from checker.model import Exchange, Headers, Observation, Options, ProbeSpec, Request, Response
from checker.request_headers import redact
from checker.target import LocationError, TargetError, parse_target, resolve_location

ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Only encodings we decompress ourselves with a bound on the output (see ``_read_capped``);
# httpx would add br and zstd whenever their packages happen to be installed.
ACCEPT_ENCODING = "gzip, deflate"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
CSP = "content-security-policy"

# What one request can raise because of what a target sent (a status line, a header, a body, a
# TLS record), besides httpx's own errors: httpcore errors that escaped httpx's mapping,
# socket and TLS errors, codec errors. Each ends as that request's error sentence.
TARGET_ERRORS: tuple[type[BaseException], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    httpcore.ProtocolError,
    httpcore.NetworkError,
    ssl.SSLError,
    OSError,
    UnicodeError,
    LookupError,
    ValueError,
)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects each host name to the address the guard approved, and nowhere else."""

    def __init__(self) -> None:
        self._inner = wire.Backend()  # asyncio sockets, TLS sessions resumed within a scan
        self.pins: dict[str, netguard.Resolved] = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        resolved = self.pins.get(host)
        if resolved is None:  # a bug, never a target's doing: every host is pinned first
            raise httpcore.ConnectError(f"{host} was not checked before connecting")
        return await self._inner.connect_tcp(
            str(resolved.addresses[0]), port, timeout, local_address, socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def ssl_context(verify: bool, ca_bundle: str | None) -> ssl.SSLContext:
    """One context per process for each (verify, CA file), shared by every connection of every
    scan: loading the system's certificate store takes tens of milliseconds (about 90 here),
    more than all of a scan's other work, and a configured context is safe to share.

    The unverified one loads no certificates at all: it would never read them."""
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_bundle)


class CertificateStoreError(OSError):
    """The CA file could not be loaded: the machine's mistake, never the target's. Raised out of
    the scan like any OSError of the machine, so the caller logs it, instead of ending as the
    error sentence of the request that needed it, which would blame the site."""


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore's pool, asking for the TLS context only when a first https connection needs it:
    a scan that stays on plain HTTP never loads a certificate store."""

    def __init__(self, load_context: Callable[[], ssl.SSLContext], **kwargs: Any) -> None:
        super().__init__(ssl_context=None, **kwargs)
        self._load_context = load_context

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        if origin.scheme == b"https" and self._ssl_context is None:
            try:
                self._ssl_context = self._load_context()
            except OSError as exc:  # ssl.SSLError too: a file that holds no certificate
                raise CertificateStoreError(f"The CA file could not be loaded: {exc}") from exc
        return super().create_connection(origin)


def _pinned_transport(
    backend: PinnedBackend, load_context: Callable[[], ssl.SSLContext], concurrency: int
) -> httpx.AsyncHTTPTransport:
    # Given a context, httpx builds none of its own for the pool that is replaced below.
    transport = httpx.AsyncHTTPTransport(verify=ssl_context(False, None), trust_env=False)
    # httpx has no public way to pass a network backend; its pool is replaced by an identical
    # one that uses ours. Pinned by the httpx<0.29 requirement.
    transport._pool = _Pool(
        load_context,
        max_connections=concurrency,
        network_backend=backend,
        http1=True,
        http2=False,
    )
    return transport


def describe_error(exc: BaseException, url: httpx.URL, timeout: float) -> str:
    """A sentence a person can act on, for any failure of one request."""
    host = url.host or str(url)
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or str(cause)
            return f"The TLS certificate of {host} could not be verified: {reason}."
        if isinstance(cause, ssl.SSLError):
            return f"The TLS handshake with {host} failed ({cause.reason or cause})."
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} refused the connection on port {url.port or _default_port(url)}."
    if isinstance(exc, httpx.ConnectTimeout):
        return f"Connecting to {host} took longer than {timeout:g} s."
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
        return f"{host} did not answer within {timeout:g} s."
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} sent an answer that is not valid HTTP ({exc})."
    if isinstance(exc, httpx.ConnectError):
        return f"Could not connect to {host} ({exc or type(exc).__name__})."
    return f"The request to {host} failed ({type(exc).__name__}: {exc})."


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the chain of exceptions behind it (httpx wraps the socket's)."""
    cause: BaseException | None = exc
    while cause is not None:
        yield cause
        cause = cause.__cause__ or cause.__context__


def _certificate_failure(exc: BaseException) -> bool:
    return any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(exc))


def _decode_headers(raw: Sequence[tuple[bytes, bytes]]) -> Headers:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


class _Inflater:
    """Decompresses gzip or deflate in steps, never giving more than it is asked for at once.

    A few kilobytes of gzip can hold gigabytes of zeros, so the output, not the input, is what
    must be bounded: ``feed`` takes raw bytes, ``read(limit)`` gives at most ``limit`` bytes
    and keeps the rest of the input for the next call. Deflate is tried with its zlib wrapper
    first and raw when that fails, as browsers (and httpx) do for servers that send it bare.
    """

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding == "gzip"
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS)
        self._pending = b""
        self._started = False

    def feed(self, data: bytes) -> None:
        self._pending += data

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` (> 0) bytes of output; empty when the input fed so far is used up."""
        try:
            out = self._inflate.decompress(self._pending, limit)
        except zlib.error:
            if self.gzip or self._started:
                raise
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflate.decompress(self._pending, limit)
        self._started = True
        self._pending = self._inflate.unconsumed_tail
        return out

    @property
    def finished(self) -> bool:
        return self._inflate.eof


_INFLATE_STEP = 64 * 1024  # the most one decompression step may produce


def _body_encoding(response: httpx.Response) -> str:
    value = response.headers.get("content-encoding", "").strip().lower()
    return {"": "identity", "x-gzip": "gzip"}.get(value, value)


async def _read_capped(
    response: httpx.Response, cap: int, body: bytearray | None = None
) -> tuple[bytearray, bool, str | None]:
    """The first ``cap`` bytes of the decoded body, whether there was more, and a sentence when
    the body could not be decoded. The raw bytes are read and decompressed here, a bounded step
    at a time and never past the cap, so memory stays near the cap whatever the ratio.

    ``body`` is filled as bytes arrive, so a caller whose deadline interrupts the read keeps the
    part it got."""
    body = bytearray() if body is None else body
    encoding = _body_encoding(response)
    if encoding not in ("identity", "gzip", "deflate"):
        return body, False, f"The body is encoded as “{encoding}”, which we did not ask for."
    inflater = None if encoding == "identity" else _Inflater(encoding)
    try:
        async for chunk in response.aiter_raw():
            # One byte more than the cap tells "there is more".
            if inflater is None:
                body += chunk[: cap + 1 - len(body)]
            else:
                inflater.feed(chunk)
                while len(body) <= cap:
                    piece = inflater.read(min(cap + 1 - len(body), _INFLATE_STEP))
                    if not piece:
                        break
                    body += piece
            if len(body) > cap:
                del body[cap:]
                return body, True, None
            if inflater is not None and inflater.finished:
                break
    except zlib.error as exc:
        return body, False, f"The body says it is {encoding}-compressed but is not ({exc})."
    return body, False, None


def _decode_body(body: bytes | bytearray, response: httpx.Response) -> str:
    if not body:  # a probe reads none: no charset to look up (httpx parses it with ``email``)
        return ""
    try:
        text = body.decode(response.charset_encoding or "utf-8", errors="replace")
    # A charset Python does not know, a codec that is not text (``rot13``), or one that refuses
    # lenient decoding (``idna``): read it as UTF-8 instead.
    except (LookupError, UnicodeError, ValueError, TypeError):
        text = body.decode("utf-8", errors="replace")
    return storable_text(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """Text a report can hold: PostgreSQL's JSON refuses NUL and lone surrogates, which a body
    can contain (NUL bytes) or a codec can produce (``unicode_escape``).

    NUL characters are dropped rather than replaced: HTML gives them no meaning, and a wider
    replacement character would double the size of a body of zeros (a decompression bomb).
    Each step copies only when there is something to change."""
    text = text.replace("\x00", "")
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


@dataclass
class _Received:
    """What one request got before it ended, so a deadline or an error keeps the part that came."""

    response: httpx.Response | None = None
    buffer: bytearray = field(default_factory=bytearray)  # the decoded body, as it arrives
    complete: bool = False  # set when the body read finished
    truncated: bool = False
    body_error: str | None = None

    def to_response(self) -> Response:
        assert self.response is not None
        return Response(
            status=self.response.status_code,
            headers=redact_headers(_decode_headers(self.response.headers.raw)),
            http_version=self.response.http_version,
            body=_decode_body(self.buffer, self.response),
            body_truncated=self.truncated or not self.complete,
            body_error=self.body_error,
        )


def _seconds(value: float) -> str:
    return f"{round(value, 1):g}"


@dataclass(frozen=True)
class Walked:
    """A redirect chain and how it ended."""

    chain: tuple[Exchange, ...]
    problem: str | None = None  # the redirects loop or go on too long
    refused: str | None = None  # a later hop led to an address the guard refused
    credentialed: bool = False  # the last hop carried the extra request headers
    left_origin: tuple[str, str] | None = None  # (from, to) of the redirect that dropped them


@dataclass
class Session:
    """One scan's network state: the client, the pins and the concurrency bound."""

    options: Options
    verify: bool = True
    deadline_at: float | None = None  # event-loop time by which the whole scan must end
    # The one origin the extra request headers may go to (``scheme://host:port``), if any.
    credential_origin: str | None = None

    async def __aenter__(self) -> Session:
        self.backend = PinnedBackend()
        self.allow = netguard.parse_networks(self.options.allow_networks)
        self.semaphore = asyncio.Semaphore(self.options.concurrency)
        self.requests_sent = 0
        # Probes sent through ``send``, for the progress the caller is told.
        self.probes_planned = 0
        self.probes_answered = 0
        self.refused: str | None = None  # why the guard stopped the chain at a later hop
        self.certificate_error: str | None = None  # the first certificate that did not verify
        self.redirect_problem: str | None = None  # set when the redirects loop or go on too long
        # An unverified session sends no secret: the server's identity is not proven.
        self.secrets: Headers = self.options.request_headers if self.verify else ()
        self.secret_names = frozenset(name.lower() for name, _ in self.options.request_headers)
        self.main: Walked | None = None
        if self.deadline_at is None:
            self.deadline_at = asyncio.get_running_loop().time() + self.options.deadline
        verify = self.verify and self.options.verify_tls
        bundle = self.options.ca_bundle if verify else None
        transport = _pinned_transport(
            self.backend, lambda: ssl_context(verify, bundle), self.options.concurrency
        )
        self.client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.options.timeout),
            headers={"User-Agent": self.options.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def budget(self) -> float:
        """Seconds the next request may take: its own deadline, never past the scan's."""
        left = self.deadline_at - asyncio.get_running_loop().time()
        return max(0.0, min(self.options.probe_deadline, left))

    async def pin(self, url: httpx.URL) -> netguard.Resolved:
        """Check the URL's port, resolve and check its host (once per scan); raises the guard's
        exceptions. Nothing connects before this has passed."""
        netguard.check_port(url.port or _default_port(url), self.options.allowed_ports)
        host = url.raw_host.decode("ascii")
        if host not in self.backend.pins:
            self.backend.pins[host] = await netguard.resolve(
                host, url.port or _default_port(url), self.allow, self.options.timeout
            )
        return self.backend.pins[host]

    async def fetch(
        self,
        probe: str,
        method: str,
        url: str,
        headers: Headers = (),
        *,
        read_body: bool = False,
        origin_label: str | None = None,
        note_certificate: bool = True,
        credentials: bool = False,
    ) -> Exchange:
        """Send one request; whatever the target answers, this returns an Exchange.

        Only the guard's refusals are raised (``follow`` records them). The request's deadline
        covers connecting, the headers and the capped body read, so a server that drips bytes
        costs this request its deadline and no more. ``note_certificate=False`` keeps a
        certificate failure this request's own error: a side probe (``https://host/`` of a
        plain-HTTP site) must not make the whole scan start over unverified.

        ``credentials`` adds the extra request headers (they replace a header of the same name),
        but only on a request to the credential origin: the callers say when a browser would
        send credentials, this makes sure no secret goes anywhere else.
        """
        if credentials and self.secrets and _origin(url) == self.credential_origin:
            headers = (
                *(pair for pair in headers if pair[0].lower() not in self.secret_names),
                *self.secrets,
            )
        try:
            request = self.client.build_request(method, url, headers=list(headers))
            if method == "OPTIONS":
                # Nor the cookies a hop set: a browser sends a preflight without credentials.
                request.headers.pop("cookie", None)
        except TARGET_ERRORS as exc:
            return Exchange(
                probe,
                Request(method, url, redact(headers, self.secret_names)),
                error=f"{url} is not a URL a request can be sent to ({exc}).",
                origin_label=origin_label,
            )
        resolved = await self.pin(request.url)
        # The client sends back the cookies a hop set: stored redacted, like the Set-Cookie.
        # The extra headers are stored as their names only.
        recorded = redact(_decode_headers(request.headers.raw), self.secret_names)
        sent = Request(method, str(request.url), redact_headers(recorded))
        received = _Received()
        error: str | None = None
        async with self.semaphore:
            started = time.perf_counter()
            budget = self.budget()
            if budget <= 0:
                error = f"Not sent: the scan's {_seconds(self.options.deadline)} s had run out."
                return Exchange(probe, sent, error=error, origin_label=origin_label, timed_out=True)
            self.requests_sent += 1
            deadline = asyncio.timeout(budget)
            try:
                async with deadline:
                    await self._transfer(request, read_body, received)
            except CertificateStoreError:
                raise
            except TARGET_ERRORS as exc:  # TimeoutError, from the deadline, is an OSError
                if deadline.expired():
                    error = self._timeout_sentence(request.url, budget, received)
                else:
                    error = describe_error(exc, request.url, self.options.timeout)
                    if (
                        note_certificate
                        and self.certificate_error is None
                        and _certificate_failure(exc)
                    ):
                        self.certificate_error = error
        # When the headers came but the body did not finish, the headers are still judged.
        return Exchange(
            probe,
            sent,
            None if received.response is None else received.to_response(),
            error=error,
            address=str(resolved.addresses[0]),
            elapsed_ms=_ms_since(started),
            origin_label=origin_label,
            timed_out=deadline.expired(),
        )

    async def _transfer(self, request: httpx.Request, read_body: bool, into: _Received) -> None:
        # Sent below httpx's redirect handling: ``client.send`` builds the next request from the
        # Location header even when it is not following it, and raises on one it cannot parse.
        # ``follow`` reads the Location itself, where an unusable one is a finding. Private API,
        # pinned by the httpx<0.29 requirement like the transport's pool.
        response = await self.client._send_single_request(request)
        into.response = response
        try:
            content_type = response.headers.get("content-type", "").lower()
            if read_body and content_type.startswith(_HTML_TYPES):
                cap = self.options.max_body_bytes
                _, into.truncated, into.body_error = await _read_capped(response, cap, into.buffer)
            into.complete = True
        finally:
            await response.aclose()

    def _timeout_sentence(self, url: httpx.URL, budget: float, received: _Received) -> str:
        host = url.host or str(url)
        within = f"within {_seconds(budget)} s"
        if budget < self.options.probe_deadline:
            within += f", the time left of the scan's {_seconds(self.options.deadline)} s"
        if received.response is None:
            return f"{host} did not finish answering {within}."
        kept = len(received.buffer)
        return (
            f"{host} sent its headers but did not finish the body {within}; "
            f"the first {kept} bytes were kept."
        )

    async def follow(self, url: str, max_redirects: int) -> tuple[Exchange, ...]:
        """GET the URL and each redirect after it; the chain ends at a final answer or an error.

        A hop to an address the guard refuses ends the chain with that refusal recorded. A loop,
        or more than ``max_redirects`` redirects, ends it with ``redirect_problem`` set.
        """
        walked = await self.walk(url, max_redirects, credentials=True)
        self.main = walked
        self.redirect_problem = walked.problem
        if walked.refused is not None:
            self.refused = walked.refused
        return walked.chain

    async def walk(
        self,
        url: str,
        max_redirects: int,
        *,
        prefix: str = "main",
        side: bool = False,
        known: frozenset[str] = frozenset(),
        credentials: bool = False,
    ) -> Walked:
        """The chain from ``url``, with probe ids ``<prefix>.<hop>``, and how it ended.

        A ``side`` walk (the way from ``http://host/`` to HTTPS) reads no bodies and notes no
        certificate failure for the scan: it is judged for its redirects only. It stops before
        a URL in ``known`` (the main chain's), whose answer is already there; the chain then
        ends on the redirect that leads to it.

        With ``credentials``, the hops on the credential origin carry the extra request headers
        until a redirect leaves it; after that none does, even back on the origin, as a browser
        drops ``Authorization`` on a cross-origin redirect. (A bare name starts on
        ``http://``, which is not the origin: the headers wait for its redirect to HTTPS.)
        """
        chain: list[Exchange] = []
        headers = (("Accept", ACCEPT_HTML),)
        problem = refused = None
        carry = False
        left: tuple[str, str] | None = None
        for hop in range(max_redirects + 1):
            if chain and url in known:
                break
            probe = f"{prefix}.{hop}"
            carry = (
                credentials
                and bool(self.secrets)
                and left is None
                and _origin(url) == self.credential_origin
            )
            try:
                exchange = await self.fetch(
                    probe,
                    "GET",
                    url,
                    headers,
                    read_body=not side,
                    note_certificate=not side,
                    credentials=carry,
                )
            except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
                if not chain:
                    raise
                if isinstance(exc, netguard.AddressRefused):
                    refused = exc.message
                chain.append(Exchange(probe, Request("GET", url), error=exc.message))
                break
            except CertificateStoreError:
                raise
            except TARGET_ERRORS as exc:  # the next hop's host could not even be looked up
                error = f"The request to {url} could not be made ({type(exc).__name__}: {exc})."
                chain.append(Exchange(probe, Request("GET", url), error=error))
                break
            chain.append(exchange)
            if exchange.response is None or not exchange.response.is_redirect:
                break
            location = exchange.response.header("location") or ""
            try:
                url = resolve_location(exchange.request.url, location)
            except LocationError:
                break  # the redirect analyzer judges an unusable Location; there is nowhere to go
            if carry and _origin(url) != self.credential_origin:
                left = (exchange.request.url, url)
                carry = False
            visited = [e.request.url for e in chain]
            if url in visited:
                problem = _loop_sentence(visited, url)
                break
        else:
            visited = [e.request.url for e in chain]
            problem = _too_many_sentence(visited, max_redirects)
        return Walked(tuple(chain), problem, refused, carry, left)

    async def send(
        self, url: str, specs: Sequence[ProbeSpec], *, credentials: bool = False
    ) -> tuple[Exchange, ...]:
        """Send every probe to one URL, concurrently (bounded by the semaphore).

        With ``credentials``, the actual requests carry the extra request headers; a preflight
        never does: browsers send it without credentials, whatever the request it asks for."""
        self.probes_planned += len(specs)
        self.options.tell("probing", self.probes_answered, self.probes_planned)

        async def one(spec: ProbeSpec) -> Exchange:
            exchange = await self.fetch(
                spec.id,
                spec.method,
                _probe_url(url, spec),
                spec.headers,
                origin_label=spec.origin_label,
                credentials=credentials and spec.credentials and spec.method != "OPTIONS",
            )
            self.probes_answered += 1
            self.options.tell("probing", self.probes_answered, self.probes_planned)
            return exchange

        return tuple(await asyncio.gather(*(one(spec) for spec in specs)))


def _chain_text(urls: list[str]) -> str:
    shown = urls if len(urls) <= 5 else [*urls[:2], "…", *urls[-2:]]
    return " → ".join(shown)


def _loop_sentence(visited: list[str], again: str) -> str:
    hops = len(visited) - visited.index(again)
    return (
        f"{again} redirects to itself after {hops} hop{'s' if hops != 1 else ''}: "
        f"{_chain_text([*visited, again])}. A browser gives up on a redirect loop, "
        "so there is no page to grade."
    )


def _too_many_sentence(visited: list[str], max_redirects: int) -> str:
    return (
        f"The page was not reached after {len(visited)} redirects, more than the "
        f"{max_redirects} we follow: {_chain_text(visited)}. There is no page to grade."
    )


def _origin(url: str) -> str | None:
    """``scheme://host:port`` of a URL, the port always written, for comparing origins."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError):
        return None
    return f"{parsed.scheme}://{host}:{parsed.port or _default_port(parsed)}"


def _probe_url(url: str, spec: ProbeSpec) -> str:
    if spec.path is None:
        return url
    return str(httpx.URL(url).join(spec.path))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def start_urls(target, allowed_ports: netguard.PortRanges = netguard.DEFAULT_PORTS) -> list[str]:
    """Where the main chain starts. With no scheme typed, try http first (as a browser would
    when a name is typed), then https if http cannot be reached at all; a default port the
    guard refuses is skipped while the other one is allowed."""
    if target.explicit_scheme:
        return [target.url]
    http = f"http://{target.netloc}{target.path}"
    https = target.url
    if not target.default_port:
        return [https, http]
    allowed = [
        url
        for url, port in ((http, 80), (https, 443))
        if netguard.port_refusal(port, allowed_ports) is None
    ]
    return allowed or [http]


@dataclass(frozen=True)
class Retrieved:
    observation: Observation
    requests_sent: int
    refused: str | None  # set when a redirect led to an address the guard refused
    certificate_error: str | None  # set when a certificate did not verify
    redirect_problem: str | None = None  # set when the redirects loop or go on too long
    request_headers_note: str | None = None  # why the extra headers were held back, if they were
    # Every host the scan resolved, with every address the guard checked (checker.addresses
    # probes the final host's others).
    resolved: dict[str, netguard.Resolved] = field(default_factory=dict)


async def retrieve(
    target, options: Options, *, verify: bool = True, deadline_at: float | None = None
) -> Retrieved:
    """Follow the main chain, then look around the final page: the CORS probes, the way from
    plain HTTP to HTTPS, and the page once more when its CSP has a nonce — all at once.

    ``deadline_at`` (event-loop time) is when the whole scan must end; no request runs past it.
    """
    async with Session(
        options, verify=verify, deadline_at=deadline_at, credential_origin=_origin(target.url)
    ) as session:
        candidates = start_urls(target, options.allowed_ports)
        failed_http: tuple[Exchange, ...] = ()
        for index, start in enumerate(candidates):
            chain = await session.follow(start, options.max_redirects)
            unreachable = chain[0].response is None and session.certificate_error is None
            if not unreachable or index == len(candidates) - 1:
                break
            if start.startswith("http://"):
                failed_http = chain
        observation = Observation(
            target=target, chain=chain, frontend_origin=options.frontend_origin
        )
        final = chain[-1]
        if final.response is not None:
            options.tell("answered")
        if final.response is not None and not final.response.is_redirect:
            observation = await _look_around(session, observation, failed_http)
        return Retrieved(
            observation,
            session.requests_sent,
            session.refused,
            session.certificate_error,
            session.redirect_problem,
            _held_back(session, target),
            resolved=dict(session.backend.pins),
        )


def _held_back(session: Session, target) -> str | None:
    """Why the final page and its probes went without the extra headers, when they did."""
    given = session.options.request_headers
    walked = session.main
    if not given or walked is None or walked.credentialed:
        return None
    names = ", ".join(name for name, _ in given)
    if not session.verify:
        return (
            f"{names} {'was' if len(given) == 1 else 'were'} not sent after the certificate "
            "failed to verify: a secret is not sent to a server whose identity is unproven."
        )
    if walked.left_origin is not None:
        left, to = walked.left_origin
        return (
            f"{names} went only to {target.origin}: not after the redirect from {left} to {to}, "
            "another origin, nor on the probes of the page it leads to. Scan that URL itself "
            "to send them there."
        )
    return (
        f"{names} went only to {target.origin}, and the scan did not reach a page there; "
        "nothing carried them."
    )


async def _look_around(
    session: Session, observation: Observation, failed_http: tuple[Exchange, ...]
) -> Observation:
    (probes, (http_chain, not_probed), https_probe, refetch, api) = await asyncio.gather(
        _cors_probes(session, observation.final),
        _way_to_https(session, observation, failed_http),
        _https_probe(session, observation),
        _refetch(session, observation.final),
        endpoints.probe(session, observation),  # whole-API scans: every endpoint, same wave
    )
    return replace(
        observation,
        probes=probes,
        http_chain=http_chain,
        http_not_probed=not_probed,
        https_probe=https_probe,
        refetch=refetch,
        endpoints=api.endpoints,
        endpoint_probes=api.exchanges,
        endpoints_note=api.note,
    )


async def _cors_probes(session: Session, final: Exchange) -> tuple[Exchange, ...]:
    try:
        final_target = parse_target(final.request.url)
    except TargetError:
        return ()
    frontend = session.options.frontend_origin
    credentials = session.main is not None and session.main.credentialed
    specs = cors_probes(final_target, frontend, authenticated=credentials)
    if session.main is not None:  # the way a frontend's request takes, from the checked URL
        chain = [e.request.url for e in session.main.chain]
        specs += redirect_probes(chain, trusted_origin(final_target, frontend))
    return await session.send(final.request.url, specs, credentials=credentials)


def _named_host_url(target, scheme: str, port: int, options: Options) -> tuple[str | None, str]:
    """``scheme://host/`` on ``port`` for a probe of the named host, or None and why not."""
    if netguard.literal_address(target.host) is not None:
        return None, (
            f"{target.host} is an IP address: browsers keep HSTS only for host names, so the "
            "way from http:// to HTTPS is judged for names only."
        )
    refusal = netguard.port_refusal(port, options.allowed_ports)
    if refusal is not None:
        return None, refusal
    default = 80 if scheme == "http" else 443
    netloc = target.host if port == default else f"{target.host}:{port}"
    return f"{scheme}://{netloc}/", ""


async def _way_to_https(
    session: Session, observation: Observation, failed_http: tuple[Exchange, ...]
) -> tuple[tuple[Exchange, ...], str | None]:
    """``http://host/`` and its redirects, as a visitor who types the name gets them; nothing
    when the main chain itself started on plain HTTP (it is the way to HTTPS then).

    A bare name whose ``http://`` start did not answer has already been tried on port 80: that
    attempt is the probe, renamed, instead of a second request that would fail the same way.
    """
    if observation.chain[0].request.url.startswith("http://"):
        return (), None
    options = session.options
    if failed_http and options.http_probe_port == 80:
        return tuple(replace(e, probe=f"http.{i}") for i, e in enumerate(failed_http)), None
    url, why_not = _named_host_url(observation.target, "http", options.http_probe_port, options)
    if url is None:
        return (), why_not
    try:
        known = frozenset(e.request.url for e in observation.chain)
        walked = await session.walk(
            url, options.max_redirects, prefix="http", side=True, known=known
        )
    except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
        return (), exc.message
    return walked.chain, None


async def _https_probe(session: Session, observation: Observation) -> Exchange | None:
    """``https://host/`` once, when the main chain never reached HTTPS: is there any HTTPS?"""
    if any(e.request.url.startswith("https://") for e in observation.chain):
        return None
    options = session.options
    url, _ = _named_host_url(observation.target, "https", options.https_probe_port, options)
    if url is None:
        return None
    headers = (("Accept", ACCEPT_HTML),)
    try:
        return await session.fetch("https.0", "GET", url, headers, note_certificate=False)
    except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
        return Exchange("https.0", Request("GET", url), error=exc.message)


async def _refetch(session: Session, final: Exchange) -> Exchange | None:
    """The final page again, when it is HTML and its enforced CSP has a nonce: a nonce must be
    new each time. (Nonces guard a document's scripts; an API answer runs none.)

    The body is read only when the nonce is in a ``<meta>`` policy, the one place it shows."""
    response = final.response
    assert response is not None
    if not (response.header("content-type") or "").lower().startswith(_HTML_TYPES):
        return None
    in_header = csp.nonces(csp.parse_headers(response.header_all(CSP)))
    in_meta = csp.nonces(csp.parse_headers(http_equiv(response.body, CSP)))
    if not (in_header or in_meta):
        return None
    headers = (("Accept", ACCEPT_HTML),)
    read_body = bool(in_meta) and not in_header
    credentials = session.main is not None and session.main.credentialed
    try:
        return await session.fetch(
            "page.again",
            "GET",
            final.request.url,
            headers,
            read_body=read_body,
            credentials=credentials,
        )
    except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
        return Exchange("page.again", Request("GET", final.request.url), error=exc.message)


async def send_probes(url: str, specs: Sequence[ProbeSpec], options: Options) -> list[Exchange]:
    """Send a few probes to one URL with the same guard and limits as a scan (simulator form)."""
    async with Session(options) as session:
        return list(await session.send(url, specs))
