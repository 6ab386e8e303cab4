"""The live simulator: the CORS simulator asking real local servers through the guarded engine."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

from checker import Options
from checker.live import MAX_REQUESTS, LiveSimulation, simulate_live
from checker.simulate import SimRequest
from tests.targets import RawServer

APP = "https://app.example"


def cors_answers(allow_origin: str | None, allow_methods: str = "GET"):
    def respond(request):
        headers = [("Content-Type", "application/json"), ("X-Total", "3")]
        if allow_origin:
            headers.append(("Access-Control-Allow-Origin", allow_origin))
        if request.method == "OPTIONS":
            headers.append(("Access-Control-Allow-Methods", allow_methods))
            headers.append(("Access-Control-Allow-Headers", "x-api-key"))
            return 204, headers, b""
        return 200, headers, b"{}"

    return respond


def run(request: SimRequest, options: Options) -> LiveSimulation:
    return asyncio.run(simulate_live(request, options))


def test_a_request_without_allow_origin_is_blocked_and_only_the_origin_travels(
    checker_options, target_server
):
    target_server.responder = cors_answers(None)

    result = run(SimRequest(APP, target_server.url + "/api"), checker_options)

    assert result.verdict.complete and not result.verdict.allowed
    assert "No 'Access-Control-Allow-Origin' header is present" in result.verdict.console_message
    assert not result.stopped and not result.timed_out
    [sent] = target_server.requests
    assert (sent.method, sent.path, sent.header("Origin")) == ("GET", "/api", APP)
    assert [e.probe for e in result.exchanges] == ["simulate.0.request"]


def test_it_sends_a_real_preflight_but_never_the_state_changing_method(
    checker_options, target_server
):
    target_server.responder = cors_answers(APP, "PUT")
    request = SimRequest(APP, target_server.url, "PUT", (("X-Api-Key", "secret"),))

    result = run(request, checker_options)

    assert result.verdict.allowed
    assert result.replaced_method == "PUT"
    assert [r.method for r in target_server.requests] == ["OPTIONS", "GET"]
    preflight = target_server.requests[0]
    assert preflight.header("Access-Control-Request-Method") == "PUT"
    assert preflight.header("Access-Control-Request-Headers") == "x-api-key"
    assert all(r.header("X-Api-Key") is None for r in target_server.requests)


def test_a_wildcard_with_credentials_is_blocked_with_its_reason(checker_options, target_server):
    target_server.responder = cors_answers("*")

    result = run(SimRequest(APP, target_server.url, credentials="include"), checker_options)

    assert not result.verdict.allowed
    assert result.verdict.failure.id == "allow-origin-wildcard-credentials"


def test_a_dripping_preflight_ends_within_the_deadline_as_out_of_time(checker_options):
    def drip(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 204 No Content\r\n")
        for _ in range(600):  # one byte every 0.1 s: no single read ever times out
            conn.sendall(b"X")
            time.sleep(0.1)

    options = replace(checker_options, timeout=5.0, simulation_deadline=1.5)
    with RawServer(drip) as server:
        started = time.monotonic()
        result = run(SimRequest(APP, server.url, "PUT"), options)
        elapsed = time.monotonic() - started

    assert elapsed < 10  # a guard against hanging, not a speed test
    assert result.timed_out and result.stopped
    assert result.message == "The site did not answer within 1.5 seconds, so we stopped asking."
    assert not result.verdict.complete and not result.verdict.allowed
    [unanswered] = result.exchanges
    assert (unanswered.request.method, unanswered.response) == ("OPTIONS", None)
    assert unanswered.error == result.message


def test_an_address_the_guard_refuses_is_an_answer_and_receives_nothing(
    checker_options, target_server
):
    refusing = replace(checker_options, allow_networks=())

    result = run(SimRequest(APP, target_server.url), refusing)

    assert target_server.requests == []
    assert result.exchanges == ()
    assert result.verdict.complete and not result.verdict.allowed
    assert result.verdict.failure.id == "no-response"
    assert any("127.0.0.1" in step.detail for step in result.verdict.steps)


def test_an_endless_redirect_stops_after_the_request_cap(checker_options, target_server):
    def loop(request):
        number = int(request.path.strip("/") or 0)
        return 307, [("Location", f"/{number + 1}"), ("Access-Control-Allow-Origin", "*")], b""

    target_server.responder = loop

    result = run(SimRequest(APP, target_server.url + "/0"), checker_options)

    assert len(target_server.requests) == MAX_REQUESTS
    assert result.stopped and not result.timed_out
    assert f"more than {MAX_REQUESTS} requests" in result.message


def test_the_result_survives_a_trip_through_json(checker_options, target_server):
    target_server.responder = cors_answers(APP, "PUT")
    request = SimRequest(APP, target_server.url, "PUT", (("X-Api-Key", "secret"),))
    result = run(request, checker_options)

    again = LiveSimulation.from_dict(json.loads(json.dumps(result.to_dict())))

    assert again == result
    assert again.verdict.chromium is not None and again.verdict.steps
