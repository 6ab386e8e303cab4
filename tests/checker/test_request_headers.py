"""Authenticated scans: extra request headers go where a browser sends credentials, and no
value is ever stored. Real local HTTPS servers record what they receive."""

from __future__ import annotations

import dataclasses
import json
import ssl

import pytest
import trustme

from checker import Options, Status, scan
from checker.cli import render_json, render_text
from checker.request_headers import (
    MAX_HEADERS,
    REDACTED,
    REFUSED_NAMES,
    RequestHeaderError,
    check_request_headers,
    parse_header_line,
)
from tests.targets import ReceivedRequest, TargetServer

TOKEN = "Bearer s3cr3t-T0KEN-4f1c9a"
COOKIE_SECRET = "sess-9b2e77-SECRET"
HEADERS = (("Authorization", TOKEN), ("Cookie", f"sid={COOKIE_SECRET}; theme=dark"))
NONCE_POLICY = "script-src 'nonce-abc{}'; object-src 'none'; base-uri 'none'"


def authenticated(options: Options, headers=HEADERS) -> Options:
    return dataclasses.replace(options, request_headers=headers)


def page_with_nonce():
    """An HTML page whose CSP has a nonce, so the engine fetches it a second time."""
    count = iter(range(1000))

    def respond(request: ReceivedRequest):
        headers = [
            ("Content-Type", "text/html"),
            ("Content-Security-Policy", NONCE_POLICY.format(next(count))),
        ]
        return 200, headers, b"<!doctype html><title>t</title>"

    return respond


def secret_in(text: str) -> bool:
    return TOKEN in text or "s3cr3t" in text or COOKIE_SECRET in text


@pytest.mark.parametrize(
    "line",
    ["Authorization: Bearer abc", "X-Api-Key:k", "cookie:   a=1; b=2  ", "X-Empty-Spaces: a b"],
)
def test_a_header_line_becomes_one_pair(line):
    name, value = parse_header_line(line)
    assert line.startswith(name)
    assert value == value.strip() and value


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("Bearer abc", "no colon"),
        (": value", "needs a name"),
        ("Bad Name: v", "is not a header name"),
        ("Bad(Name): v", "is not a header name"),
        ("X-Token:", "is empty"),
        ("X-Token: one\r\nHost: evil.test", "line break"),
        ("X-Token: café", "printable ASCII"),
        ("X-Token: a\x00b", "printable ASCII"),
        ("X-Token: " + "a" * 9000, "at most 8192"),
        ("Host: evil.test", "host name"),
        ("origin: https://evil.test", "Origin"),
        ("Content-Length: 5", "no request body"),
        ("Transfer-Encoding: chunked", "no request body"),
        ("Connection: close", "one connection"),
        ("Access-Control-Request-Method: PUT", "CORS probes"),
        ("User-Agent: me", "names corscheck"),
        ("Accept-Encoding: br", "decompresses"),
    ],
)
def test_a_header_that_cannot_be_sent_is_refused_with_a_sentence(line, says):
    with pytest.raises(RequestHeaderError) as refused:
        parse_header_line(line)
    assert says in refused.value.message
    # A secret in the wrong place is never repeated back.
    assert "abc" not in refused.value.message.replace("“Authorization: Bearer …”", "")
    assert "evil.test" not in refused.value.message


def test_every_hop_by_hop_and_engine_header_is_refused():
    for name in ("Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Authorization", "Expect"):
        assert name.lower() in REFUSED_NAMES
        with pytest.raises(RequestHeaderError):
            check_request_headers([(name, "x")])


def test_a_name_given_twice_or_too_many_headers_are_refused():
    with pytest.raises(RequestHeaderError, match="given twice"):
        check_request_headers([("Cookie", "a=1"), ("cookie", "b=2")])
    with pytest.raises(RequestHeaderError, match=f"at most {MAX_HEADERS}"):
        check_request_headers([(f"X-H{i}", "v") for i in range(MAX_HEADERS + 1)])


def test_options_check_their_headers_and_never_show_the_values():
    with pytest.raises(RequestHeaderError, match="Host"):
        Options(request_headers=(("Host", "evil.test"),))
    options = Options(request_headers=[("Authorization", f"  {TOKEN} ")])
    assert options.request_headers == (("Authorization", TOKEN),)
    assert not secret_in(repr(options))


def test_the_headers_go_on_the_page_and_the_actual_probes_never_on_a_preflight(
    tls_target_server, checker_options
):
    tls_target_server.responder = page_with_nonce()

    report = scan(tls_target_server.url + "/", authenticated(checker_options))

    assert report.status is Status.OK
    received = tls_target_server.requests
    gets = [r for r in received if r.method == "GET"]
    preflights = [r for r in received if r.method == "OPTIONS"]
    assert len(gets) >= 5 and len(preflights) >= 2
    # The page, its second fetch (a nonce), every CORS GET and the missing page's GET.
    assert {r.header("Origin") is None for r in gets} == {True, False}
    assert sum(1 for r in gets if r.header("Origin") is None) == 2
    assert any(r.path.endswith("-corscheck-404") for r in gets)
    # All but one: the GET that asks as a visitor who is not logged in, from the site's origin.
    [anonymous] = [r for r in gets if r.header("Authorization") is None]
    assert anonymous.header("Cookie") is None
    assert anonymous.header("Origin") == tls_target_server.origin
    gets.remove(anonymous)
    refused = [r for r in received if r.method not in ("GET", "OPTIONS")]
    assert len(refused) == 1
    for request in gets + refused:
        assert request.header("Authorization") == TOKEN, request.path
        assert request.header("Cookie") == f"sid={COOKIE_SECRET}; theme=dark"
    for request in preflights:
        assert request.header("Authorization") is None
        assert request.header("Cookie") is None
    assert len(received) == report.requests_sent


def test_no_value_reaches_the_report_only_the_names(tls_target_server, checker_options):
    tls_target_server.responder = page_with_nonce()

    report = scan(tls_target_server.url + "/", authenticated(checker_options))

    stored = json.dumps(report.to_dict())
    assert not secret_in(stored)
    assert not secret_in(render_json(report)) and not secret_in(render_text(report))
    assert report.request_headers == ("Authorization", "Cookie")
    assert report.request_headers_note is None
    read_back = type(report).from_dict(json.loads(stored))
    assert read_back.request_headers == ("Authorization", "Cookie")
    # Each exchange shows whether the headers went with it, never what they held.
    for exchange in report.exchanges:
        sent = exchange.request
        if exchange.request.method == "OPTIONS" or exchange.probe.startswith("cors.anonymous."):
            assert sent.header("Authorization") is None
        else:
            assert sent.header("Authorization") == REDACTED
            assert sent.header("Cookie") == REDACTED


def test_the_given_cookie_replaces_the_site_one_and_preflights_carry_none(
    tls_target_server, checker_options
):
    def respond(request: ReceivedRequest):
        if request.path == "/":
            return 302, [("Location", "/home"), ("Set-Cookie", "site=1; Path=/")], b""
        return 200, [("Content-Type", "text/html")], b"<p>"

    tls_target_server.responder = respond
    options = authenticated(checker_options, (("Cookie", f"sid={COOKIE_SECRET}"),))

    report = scan(tls_target_server.url + "/", options)

    home = [r for r in tls_target_server.requests if r.path == "/home"]
    gets = [r for r in home if r.method == "GET"]
    given = [r for r in gets if r.headers.get_all("Cookie") == [f"sid={COOKIE_SECRET}"]]
    # All but the GET asked as a visitor who is not logged in (it has the site's cookie only).
    assert gets and len(given) == len(gets) - 1
    [anonymous] = [r for r in gets if r not in given]
    assert anonymous.headers.get_all("Cookie") == ["site=1"]
    # A preflight carries no cookie at all, neither the given one nor the site's.
    preflights = [r for r in home if r.method == "OPTIONS"]
    assert preflights and all(r.header("Cookie") is None for r in preflights)
    assert not secret_in(json.dumps(report.to_dict()))


@pytest.fixture
def second_tls_server(test_ca: trustme.CA):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1").configure_cert(context)
    with TargetServer(ssl_context=context) as server:
        yield server


def test_the_headers_never_follow_a_redirect_to_another_origin(
    tls_target_server, second_tls_server, checker_options
):
    elsewhere = second_tls_server.url + "/landing"
    tls_target_server.responder = lambda request: (302, [("Location", elsewhere)], b"")

    report = scan(tls_target_server.url + "/start", authenticated(checker_options))

    assert report.status is Status.OK
    # The page load, and its redirect asked once more with an Origin: by then the headers
    # were held back, as they are from every probe of a page on another origin.
    load, again = tls_target_server.requests
    assert load.header("Authorization") == TOKEN and again.header("Origin") is not None
    assert again.header("Authorization") is None
    # The other origin got the page load and every probe, and not one secret.
    assert len(second_tls_server.requests) > 5
    for request in second_tls_server.requests:
        assert request.header("Authorization") is None
        assert request.header("Cookie") is None
    note = report.request_headers_note
    assert note and "Authorization, Cookie went only to" in note and elsewhere in note
    assert not secret_in(json.dumps(report.to_dict()))


def test_a_redirect_back_to_the_origin_gets_no_headers_either(
    tls_target_server, second_tls_server, checker_options
):
    back = tls_target_server.url + "/back"
    second_tls_server.responder = lambda request: (302, [("Location", back)], b"")

    def respond(request: ReceivedRequest):
        if request.path == "/start":
            return 302, [("Location", second_tls_server.url + "/away")], b""
        return 200, [("Content-Type", "text/html")], b"<p>"

    tls_target_server.responder = respond

    report = scan(tls_target_server.url + "/start", authenticated(checker_options))

    assert report.status is Status.OK
    carried = [r.path for r in tls_target_server.requests if r.header("Authorization")]
    assert carried == ["/start"]
    assert report.request_headers_note is not None


def test_no_header_goes_to_a_server_whose_certificate_did_not_verify(checker_options):
    untrusted = trustme.CA()  # not in checker_options.ca_bundle
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    untrusted.issue_cert("127.0.0.1").configure_cert(context)
    with TargetServer(ssl_context=context) as server:
        report = scan(server.url + "/", authenticated(checker_options))

        assert report.status is Status.OK and report.tls_error
        assert server.requests
        assert all(r.header("Authorization") is None for r in server.requests)
    assert "certificate" in (report.request_headers_note or "")
    assert report.request_headers == ("Authorization", "Cookie")


def test_a_scan_without_headers_sends_none_and_names_none(tls_target_server, checker_options):
    report = scan(tls_target_server.url + "/", checker_options)

    assert report.request_headers == () and report.request_headers_note is None
    assert all(r.header("Authorization") is None for r in tls_target_server.requests)
