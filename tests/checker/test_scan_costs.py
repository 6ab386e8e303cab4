"""What keeps a scan cheap: TLS contexts made once per process and only when a connection needs
one, and the probes of a scan sent in one wave."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from checker import Status, parse_target, scan
from checker.cors_matrix import cors_probes
from checker.retrieve import CertificateStoreError, ssl_context
from tests.checker.command_line import run_checker
from tests.targets import ReceivedRequest, plain_page


def test_a_plain_http_scan_loads_no_certificate_store(target_server, checker_options):
    # A CA file that is not there: loading it would raise, so the scan shows it was never read.
    options = dataclasses.replace(checker_options, ca_bundle="/nonexistent/ca.pem")

    report = scan(target_server.url + "/", options)

    assert report.status is Status.OK
    assert all(not e.request.url.startswith("https:") for e in report.exchanges)


def test_a_ca_file_that_is_not_there_is_the_callers_error_not_the_sites(
    tls_target_server, checker_options
):
    options = dataclasses.replace(checker_options, ca_bundle="/nonexistent/ca.pem")

    with pytest.raises(CertificateStoreError, match="CA file could not be loaded"):
        scan(tls_target_server.url + "/", options)
    assert tls_target_server.requests == []


def test_https_scans_share_one_context(tls_target_server, checker_options):
    first = scan(tls_target_server.url + "/", checker_options)
    loaded = ssl_context.cache_info().currsize

    second = scan(tls_target_server.url + "/", checker_options)

    assert first.status is second.status is Status.OK and not second.tls_error
    assert ssl_context.cache_info().currsize == loaded
    verified = ssl_context(True, checker_options.ca_bundle)
    assert verified is ssl_context(True, checker_options.ca_bundle)
    assert ssl_context(False, None).verify_mode.name == "CERT_NONE"


def test_a_scans_probes_go_out_in_one_wave(tls_target_server, checker_options):
    url = tls_target_server.url + "/"
    expected = len(cors_probes(parse_target(url)))
    assert expected > 8  # more than the old cap, which sent them in waves
    arrived = threading.Condition()
    counts = {"arrived": 0, "in_flight": 0, "peak": 0}

    def respond(request: ReceivedRequest):
        if request.header("Origin") is None:  # the page itself answers at once
            return plain_page(request)
        with arrived:
            counts["arrived"] += 1
            counts["in_flight"] += 1
            counts["peak"] = max(counts["peak"], counts["in_flight"])
            arrived.notify_all()
            # Held until every probe is in: probes sent in waves would never all be.
            arrived.wait_for(lambda: counts["arrived"] >= expected, timeout=5)
            counts["in_flight"] -= 1
        return plain_page(request)

    tls_target_server.responder = respond

    report = scan(url, checker_options)

    assert report.status is Status.OK
    assert counts["arrived"] == expected
    assert counts["peak"] == expected


def test_a_redirected_scans_extra_probes_go_out_in_the_same_wave(
    tls_target_server, checker_options
):
    """The hops of the redirect asked again with the frontend's Origin, the refused method:
    all in the one wave with the matrix."""
    final = tls_target_server.url + "/v1/items/"
    frontend = "https://app.shop.example"
    # the matrix, then the redirect's two hops (the first one and the final URL)
    expected = len(cors_probes(parse_target(final), frontend)) + 2
    arrived = threading.Condition()
    counts = {"arrived": 0, "peak": 0, "in_flight": 0}

    def respond(request: ReceivedRequest):
        moved = (301, [("Location", "/v1/items/")], b"")
        if request.header("Origin") is None:
            return moved if request.path == "/v1/items" else plain_page(request)
        with arrived:
            counts["arrived"] += 1
            counts["in_flight"] += 1
            counts["peak"] = max(counts["peak"], counts["in_flight"])
            arrived.notify_all()
            arrived.wait_for(lambda: counts["arrived"] >= expected, timeout=5)
            counts["in_flight"] -= 1
        return moved if request.path == "/v1/items" else plain_page(request)

    tls_target_server.responder = respond
    options = dataclasses.replace(checker_options, frontend_origin=frontend)

    report = scan(tls_target_server.url + "/v1/items", options)

    assert report.status is Status.OK
    assert [e.probe for e in report.exchanges if e.probe.startswith("cors.redirect.")] == [
        "cors.redirect.0",
        "cors.redirect.1",
    ]
    assert counts["arrived"] == expected
    assert counts["peak"] == expected


def test_the_command_line_says_which_ca_file_it_could_not_load(tls_target_server):
    result = run_checker(tls_target_server.url + "/", ca_bundle="/nonexistent/ca.pem")

    assert result.returncode == 2, result.stderr
    assert "The CA file could not be loaded" in result.stderr
    assert "Traceback" not in result.stderr
