"""Bodies: decompressed here with a bounded output and cut at the cap, whatever the ratio."""

from __future__ import annotations

import socketserver
import tracemalloc
import zlib
from dataclasses import replace

import pytest

from checker import Status, scan
from tests.targets import ReceivedRequest, TargetServer

BOMB_SIZE = 50_000_000  # 50 MB of one letter, about 50 KB once compressed


def compressed(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    bomb = compressed(b"A" * BOMB_SIZE, zlib.MAX_WBITS | 16)
    assert len(bomb) < 100_000
    return bomb


@pytest.fixture
def quiet_server(monkeypatch):
    """A server whose clients hang up mid-body, as the engine does at the cap; no tracebacks."""
    monkeypatch.setattr(socketserver.BaseServer, "handle_error", lambda *args: None)
    with TargetServer() as server:
        yield server


def serve(server: TargetServer, body: bytes, encoding: str | None) -> None:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))

    def respond(request: ReceivedRequest):
        return 200, headers, body

    server.responder = respond


def test_it_asks_only_for_encodings_it_can_bound(target_server, checker_options):
    scan(target_server.url, checker_options)
    assert {r.header("Accept-Encoding") for r in target_server.requests} == {"gzip, deflate"}


def test_a_gzip_bomb_is_cut_at_the_cap(quiet_server, checker_options, gzip_bomb):
    serve(quiet_server, gzip_bomb, "gzip")
    report = scan(quiet_server.url, checker_options)

    assert report.status is Status.OK
    response = report.exchange("main.0").response
    assert len(response.body) == checker_options.max_body_bytes
    assert response.body_truncated is True
    assert response.body_error is None


def test_decompressing_a_bomb_keeps_memory_near_the_cap(quiet_server, checker_options, gzip_bomb):
    """The peak of Python allocations over one whole scan (every probe gets the bomb too; they
    read no body), measured by tracemalloc: a bound on memory, not a timing."""
    cap = 2 * 1024 * 1024
    options = replace(checker_options, max_body_bytes=cap)
    serve(quiet_server, gzip_bomb, "gzip")
    scan(quiet_server.url, options)  # the first scan imports and loads lists; not measured

    tracemalloc.start()
    try:
        report = scan(quiet_server.url, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.exchange("main.0").response.body_truncated is True
    assert peak < 3 * cap, f"peak {peak / cap:.1f} times the cap"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib-wrapped", "raw"])
def test_a_deflated_page_is_read_whole(target_server, checker_options, wbits):
    page = b"<!doctype html><title>deflated</title>" + b"<p>hello</p>" * 1000
    serve(target_server, compressed(page, wbits), "deflate")
    response = scan(target_server.url, checker_options).exchange("main.0").response

    assert response.body == page.decode()
    assert (response.body_truncated, response.body_error) == (False, None)


def test_a_deflate_bomb_is_cut_at_the_cap_too(quiet_server, checker_options):
    serve(quiet_server, compressed(b"A" * BOMB_SIZE, zlib.MAX_WBITS), "deflate")
    response = scan(quiet_server.url, checker_options).exchange("main.0").response

    assert len(response.body) == checker_options.max_body_bytes
    assert response.body_truncated is True


def test_a_body_that_claims_gzip_but_is_not_is_a_sentence_not_a_failure(
    target_server, checker_options
):
    serve(target_server, b"<!doctype html><title>plain</title>", "gzip")
    report = scan(target_server.url, checker_options)

    assert report.status is Status.OK
    assert report.grade is not None  # the headers are still judged
    response = report.exchange("main.0").response
    assert response.body == ""
    assert response.body_error.startswith("The body says it is gzip-compressed but is not (")


def test_an_encoding_we_did_not_ask_for_is_not_read(target_server, checker_options):
    serve(target_server, b"\x1b\x00\x00", "br")
    report = scan(target_server.url, checker_options)

    assert report.status is Status.OK
    response = report.exchange("main.0").response
    assert response.body == ""
    assert response.body_error == "The body is encoded as “br”, which we did not ask for."


def test_a_plain_body_is_cut_at_the_cap(target_server, checker_options):
    serve(target_server, b"a" * 1000, None)
    options = replace(checker_options, max_body_bytes=100)
    response = scan(target_server.url, options).exchange("main.0").response
    assert (response.body, response.body_truncated) == ("a" * 100, True)

    options = replace(checker_options, max_body_bytes=1000)
    response = scan(target_server.url, options).exchange("main.0").response
    assert (len(response.body), response.body_truncated) == (1000, False)
