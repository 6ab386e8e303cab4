"""Hostile targets against the whole engine, through real local sockets.

Whatever a server sends — a Location no browser could follow, odd header bytes, a drip instead of
an answer, a redirect loop — the scan ends as a Report with an engine status, never an exception,
and one slow probe costs that probe, not the scan.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import Options, Report, Status, scan
from tests.conftest import ALL_PORTS, LOOPBACK
from tests.targets import RawServer, ReceivedRequest, TargetServer

FAST = Options(
    allow_networks=LOOPBACK,
    allowed_ports=ALL_PORTS,
    timeout=2.0,
    probe_deadline=2.0,
    deadline=6.0,
)


def page(request: ReceivedRequest):
    return 200, [("Content-Type", "text/html; charset=utf-8")], b"<!doctype html><title>t</title>"


def read_head(conn: socket.socket) -> bytes:
    """The request line and headers (our engine sends no request bodies)."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def request_line(head: bytes) -> tuple[str, str]:
    method, _, rest = head.partition(b" ")
    path = rest.split(b" ", 1)[0]
    return method.decode("latin-1"), path.decode("latin-1")


class AnsweringServer(RawServer):
    """Answers each connection at once with ``answer(method, path)``, then closes it."""

    def __init__(self) -> None:
        self.answer: Callable[[str, str], bytes] = lambda method, path: b""
        super().__init__(self._respond)

    def _respond(self, conn: socket.socket) -> None:
        head = read_head(conn)
        if head:
            conn.sendall(self.answer(*request_line(head)))


def assert_a_storable_report(report: Report) -> None:
    """A status the engine defines (and not its last-resort one), a lossless JSON round trip, and
    JSON that PostgreSQL accepts (no NUL, no lone surrogate)."""
    assert isinstance(report.status, Status)
    assert report.status is not Status.ERROR, report.message
    data = report.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    text.encode("utf-8")  # raises on a lone surrogate
    assert "\\u0000" not in json.dumps(data)
    assert Report.from_dict(json.loads(text)) == report
    if report.status is not Status.OK:
        assert report.message and report.grade is None


# --- Arbitrary Location values ------------------------------------------------------------------

# Hosts a Location may name. Arbitrary text without "//" cannot name any other, and after a host
# comes a path, so a generated Location never makes the engine look up or reach a host outside
# this machine (names under .invalid never resolve).
HOSTS = (
    "127.0.0.1:{port}",
    "[::1",
    "[::1]:{port}",
    "xn--",
    "a b.invalid",
    "127.0.0.1:99999",
    "127.0.0.1:0",
    "no-such-host.invalid",
    "0x7f.1:{port}",
    "user:pw@127.0.0.1:{port}",
    "",
)
SCHEMES = ("http://", "https://", "//", "http:", "https:", "HTTP://", "ftp://", "javascript:")
LOCATION_TEXT = st.text(alphabet=st.characters(codec="latin-1"), max_size=40).filter(
    lambda text: "//" not in text and "\\\\" not in text
)
LOCATIONS = st.one_of(
    LOCATION_TEXT,
    st.builds(
        lambda scheme, host, rest: scheme + host + rest,
        st.sampled_from(SCHEMES),
        st.sampled_from(HOSTS),
        st.one_of(st.just(""), LOCATION_TEXT.map(lambda text: "/" + text)),
    ),
    st.sampled_from(("http:foo", "https:foo", "http:", "/", ".", "?", "#x", " ", "\t/x")),
)


@pytest.fixture(scope="module")
def hostile():
    with AnsweringServer() as server:
        yield server


def http_answer(status_line: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    block = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    length = b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return status_line + b"\r\n" + block + length + b"Connection: close\r\n\r\n" + body


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(location=LOCATIONS, status=st.sampled_from((301, 302, 303, 307, 308)))
def test_no_location_makes_the_engine_raise(hostile, location, status):
    port = hostile.url.rsplit(":", 1)[1]
    location = location.replace("{port}", port)
    redirect = http_answer(
        f"HTTP/1.1 {status} Moved".encode(), [(b"Location", location.encode("latin-1"))], b""
    )
    landing = http_answer(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")], b"<p>hi")
    hostile.answer = lambda method, path: redirect if path == "/" else landing

    assert_a_storable_report(scan(hostile.url + "/", FAST))


# --- Arbitrary header bytes ---------------------------------------------------------------------

HEADER_NAMES = (
    b"Content-Type",
    b"Location",
    b"Set-Cookie",
    b"Strict-Transport-Security",
    b"Content-Security-Policy",
    b"Access-Control-Allow-Origin",
    b"Access-Control-Allow-Credentials",
    b"Access-Control-Allow-Methods",
    b"Access-Control-Allow-Headers",
    b"Access-Control-Max-Age",
    b"Vary",
    b"Permissions-Policy",
    b"Referrer-Policy",
    b"X-Frame-Options",
    b"X-Content-Type-Options",
    b"Cross-Origin-Opener-Policy",
    b"Server",
    b"Content-Encoding",
    b"Transfer-Encoding",
)
# Mostly bytes HTTP allows in a field value (visible ASCII, obs-text, space, tab), so that most
# answers get past the parser and into the analyzers; sometimes anything at all.
FIELD_BYTES = bytes([9, *range(0x20, 0x7F), *range(0x80, 0x100)])
VALID_VALUES = st.lists(st.sampled_from(FIELD_BYTES), max_size=60).map(bytes)
TOKEN_NAMES = st.text(alphabet="!#$%&'*+-.^_`|~0123456789abcdefXYZ", min_size=1, max_size=12)
ODD_VALUES = st.sampled_from(
    (
        b"",
        b"text/html; charset=idna",
        b"text/html; charset=unicode_escape",
        b"text/html; charset=rot13",
        b"text/html; charset=no-such-codec",
        b"text/html; charset=utf-16",
        b"value\r\n folded onto a second line",  # obs-fold
        b"\xff\xfe\x80caf\xe9",
        b"gzip",
        b"chunked",
        b"x" * 120_000,  # over httpcore's header-block limit
        b"x" * 8_000,
    )
)
NAMES = st.one_of(st.sampled_from(HEADER_NAMES), TOKEN_NAMES.map(str.encode))
WELL_FORMED = st.lists(st.tuples(NAMES, st.one_of(VALID_VALUES, ODD_VALUES)), max_size=12)
WILD = st.lists(
    st.tuples(st.one_of(NAMES, st.binary(max_size=12)), st.one_of(VALID_VALUES, st.binary())),
    max_size=6,
)
# Two answers in three are well-formed HTTP with odd values, so most reach the analyzers.
HEADERS = st.one_of(WELL_FORMED, WELL_FORMED, WILD)
STATUS_LINES = st.one_of(
    st.sampled_from((b"HTTP/1.1 200 OK", b"HTTP/1.0 302 Found", b"HTTP/1.1 204 ", b"HTTP/1.1 999")),
    st.sampled_from((b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 500 ")),
    st.builds(
        lambda code, reason: b"HTTP/1.1 %d " % code + reason,
        st.integers(100, 999),
        VALID_VALUES,
    ),
    st.binary(max_size=20),
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.just(b"<!doctype html>\x00<p>\xed\xa0\x80 \\ud800 caf\xe9"),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(status_line=STATUS_LINES, headers=HEADERS, body=BODIES)
def test_no_header_bytes_make_the_engine_raise(hostile, status_line, headers, body):
    # Every answer also carries Content-Type: text/html, so the body is read and decoded.
    answer = http_answer(status_line, [(b"Content-Type", b"text/html"), *headers], body)
    hostile.answer = lambda method, path: answer

    assert_a_storable_report(scan(hostile.url + "/", FAST))


# --- A Location that httpx itself cannot parse --------------------------------------------------


def redirect_to(location: str, status: int = 302):
    def respond(request: ReceivedRequest):
        return status, [("Location", location)], b""

    return respond


def test_a_location_of_http_colon_foo_from_https_is_a_finding(tls_target_server, checker_options):
    tls_target_server.responder = redirect_to("http:foo")
    report = scan(tls_target_server.url + "/", checker_options)

    assert report.status is Status.OK and report.grade is not None
    finding = next(f for f in report.findings if f.id == "redirect.invalid-location")
    assert "“http:foo” is not a usable URL" in finding.title
    assert ("why", "it names no host") in finding.facts
    assert finding.exchanges == ("main.0",)
    assert len(report.chain) == 1


def test_http_colon_foo_from_a_plain_http_page_is_followed_as_a_browser_does(checker_options):
    # Browsers (and RFC 3986's lenient parsers) read a same-scheme "http:foo" as the path "foo".
    with TargetServer() as server:
        server.responder = lambda r: redirect_to("http:foo")(r) if r.path == "/" else page(r)
        report = scan(server.url + "/", checker_options)

    assert report.status is Status.OK
    assert report.final_url == server.url + "/foo"


def test_the_command_line_prints_json_for_a_location_of_http_colon_foo(
    tls_target_server, ca_bundle
):
    tls_target_server.responder = redirect_to("http:foo")
    env = {
        **os.environ,
        "CHECKER_ALLOW_NETWORKS": "127.0.0.0/8",
        "CHECKER_ALLOWED_PORTS": "1-65535",
        "CHECKER_CA_BUNDLE": ca_bundle,
    }
    done = subprocess.run(
        [sys.executable, "-m", "checker", tls_target_server.url + "/", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "Traceback" not in done.stderr, done.stderr
    report = Report.from_dict(json.loads(done.stdout))
    assert report.status is Status.OK
    assert "redirect.invalid-location" in {f.id for f in report.findings}


# --- A slow probe costs that probe, not the scan ------------------------------------------------

PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\n"
    b"Connection: close\r\n\r\n<!doctype html>"
)


class DripServer(RawServer):
    """Answers the methods in ``slow`` one byte a second and every other request at once."""

    def __init__(self, slow: set[str], answer: bytes = PAGE) -> None:
        self.slow = slow
        self.answer = answer
        self.stop = threading.Event()
        super().__init__(self._respond)

    def _respond(self, conn: socket.socket) -> None:
        head = read_head(conn)
        method, _ = request_line(head)
        if method not in self.slow:
            conn.sendall(self.answer)
            return
        for byte in PAGE:
            if self.stop.wait(1):
                return
            conn.sendall(bytes([byte]))

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        super().__exit__(*exc)


def test_a_dripping_preflight_costs_the_preflights_not_the_scan():
    options = replace(FAST, probe_deadline=1.5, deadline=20.0)
    with DripServer(slow={"OPTIONS"}) as server:
        started = time.monotonic()
        report = scan(server.url + "/", options)
        elapsed = time.monotonic() - started

    assert report.status is Status.OK and report.grade is not None
    preflights = [e for e in report.exchanges if e.request.method == "OPTIONS"]
    assert preflights and all(e.timed_out and e.response is None for e in preflights)
    assert all("did not finish answering within 1.5 s" in e.error for e in preflights)
    assert set(report.timed_out_probes) == {e.probe for e in preflights}
    answered = [e for e in report.exchanges if e.request.method == "GET"]
    assert all(e.response is not None and not e.timed_out for e in answered)
    # No verdict rests on a probe that never answered.
    assert not any(set(f.exchanges) & set(report.timed_out_probes) for f in report.findings)
    assert elapsed < options.deadline  # a guard against waiting for the drip, not a speed test


def test_a_report_keeps_timed_out_probes_through_json():
    options = replace(FAST, probe_deadline=1.0)
    with DripServer(slow={"OPTIONS"}) as server:
        report = scan(server.url + "/", options)

    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.timed_out_probes == report.timed_out_probes != ()


def test_old_reports_without_timed_out_read_as_not_timed_out(target_server, checker_options):
    data = scan(target_server.url, checker_options).to_dict()
    for exchange in data["exchanges"]:
        del exchange["timed_out"]
    report = Report.from_dict(data)
    assert report.timed_out_probes == ()
    assert not any(e.timed_out for e in report.exchanges)


def test_the_scan_deadline_cuts_outstanding_probes_and_grades_what_answered():
    # Each probe may take 30 s, but the scan only 3: the preflights are cut at the scan's end.
    options = replace(FAST, probe_deadline=30.0, deadline=3.0)
    with DripServer(slow={"OPTIONS"}) as server:
        report = scan(server.url + "/", options)

    assert report.status is Status.OK and report.grade is not None
    preflights = [e for e in report.exchanges if e.request.method == "OPTIONS"]
    assert preflights and all(e.timed_out and e.response is None for e in preflights)
    assert all("the time left of the scan's 3 s" in e.error for e in preflights)


def test_a_main_page_whose_body_drips_is_graded_from_its_headers():
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n"
        b"X-Frame-Options: DENY\r\n\r\n<!doctype html><title>slow</title>"
    )

    def drip_body(conn: socket.socket) -> None:
        method, _ = request_line(read_head(conn))
        conn.sendall(head)
        if method == "GET":  # probes read no body; the main page's body drips
            for _ in range(60):
                time.sleep(0.2)
                conn.sendall(b"a")

    with RawServer(drip_body) as server:
        report = scan(server.url + "/", replace(FAST, probe_deadline=1.5))

    assert report.status is Status.OK and report.grade is not None
    final = report.exchange(report.chain[-1])
    assert final.timed_out and final.response is not None
    assert final.response.body.startswith("<!doctype html><title>slow</title>")
    assert final.response.body_truncated is True
    assert "sent its headers but did not finish the body within 1.5 s" in final.error
    assert "framing.missing" not in {f.id for f in report.findings}
    assert report.timed_out_probes == ()


def test_a_main_page_that_never_answers_is_unreachable():
    with DripServer(slow={"GET"}) as server:
        report = scan(server.url + "/", replace(FAST, probe_deadline=1.0))

    assert report.status is Status.UNREACHABLE and report.grade is None
    assert "did not finish answering within 1 s" in report.message
    assert report.exchange("main.0").timed_out


# --- Redirect loops and endless chains ----------------------------------------------------------


def test_a_redirect_loop_ends_with_its_own_status_and_no_grade(checker_options):
    with TargetServer() as a, TargetServer() as b:
        a.responder = redirect_to(b.url + "/")
        b.responder = redirect_to(a.url + "/")
        report = scan(a.url + "/", checker_options)

    assert report.status is Status.REDIRECTS
    assert report.grade is None and report.score is None and report.findings == ()
    assert report.message.startswith(f"{a.url}/ redirects to itself after 2 hops: ")
    assert f"{a.url}/ → {b.url}/ → {a.url}/" in report.message
    assert [report.exchange(p).request.url for p in report.chain] == [a.url + "/", b.url + "/"]
    assert report.requests_sent == 2  # no CORS probes for a page that is never reached


def test_a_page_that_redirects_to_itself_is_a_loop(target_server, checker_options):
    target_server.responder = redirect_to("/again")
    report = scan(target_server.url + "/", checker_options)

    assert report.status is Status.REDIRECTS
    assert f"{target_server.url}/again redirects to itself after 1 hop" in report.message


def numbered_chain(last: int):
    """/0 redirects to /1, and so on; /<last> is the page."""

    def respond(request: ReceivedRequest):
        number = int(request.path.strip("/").split("?")[0] or 0)
        if number >= last:
            return page(request)
        return redirect_to(f"/{number + 1}")(request)

    return respond


def test_more_redirects_than_we_follow_end_with_their_own_status(target_server, checker_options):
    target_server.responder = numbered_chain(11)
    report = scan(target_server.url + "/0", checker_options)
    just_enough = scan(target_server.url + "/1", checker_options)  # ten redirects are followed

    assert report.status is Status.REDIRECTS and report.grade is None
    assert len(report.chain) == checker_options.max_redirects + 1
    assert report.message.startswith(
        "The page was not reached after 11 redirects, more than the 10"
    )
    assert f"{target_server.url}/0 → {target_server.url}/1 → … →" in report.message
    assert report.message.split(" → ")[-1].startswith(f"{target_server.url}/10.")
    assert just_enough.status is Status.OK and just_enough.grade is not None
    assert just_enough.final_url == target_server.url + "/11"


def test_the_text_output_shows_a_loop_and_its_chain(checker_options):
    from checker.cli import render_text

    with TargetServer() as a, TargetServer() as b:
        a.responder = redirect_to(b.url + "/")
        b.responder = redirect_to(a.url + "/")
        text = render_text(scan(a.url + "/", checker_options))

    assert "Status: redirects — " in text and "redirects to itself after 2 hops" in text
    assert f"  {a.url}/  → 302\n  {b.url}/  → 302\n" in text
    assert "Grade" not in text


def test_the_text_output_lists_probes_that_were_not_judged():
    from checker.cli import render_text

    with DripServer(slow={"OPTIONS"}) as server:
        report = scan(server.url + "/", replace(FAST, probe_deadline=1.0))

    assert f"Not judged, no answer in time: {', '.join(report.timed_out_probes)}\n" in (
        render_text(report)
    )


def test_a_bug_of_ours_ends_as_an_error_report_not_an_exception():
    # A caller passing a number where a string belongs trips the parser: a bug, not the site's.
    report = scan(12345, FAST)

    assert report.status is Status.ERROR
    assert report.message.startswith("The check stopped on an error in the checker itself")
    assert "AttributeError at target.py:" in report.message
