"""The scan and the simulator read the same CORS answers the same way (checker.cors_vocabulary).

Each row is one hand-built answer to a trusted frontend's requests. The scan's analyzers see it
through every probe of the real matrix (answered in process), the simulator through the fetch()
a frontend makes for a typical API call — a credentialed ``PUT`` with ``Content-Type`` and
``Authorization``, the request the scan's preflight probe asks about — and both must reach the
same verdict: passes, or fails at the same step.
"""

from __future__ import annotations

from email.message import Message
from urllib.parse import urlsplit

import pytest

from checker.cors_vocabulary import (
    ACAC,
    ACAH,
    ACAM,
    HeaderList,
    allow_origin_failure,
    is_true,
    normalise_origin,
    origin_of,
    parse_header_list,
    parse_list,
    parse_max_age,
    request_headers_value,
)
from checker.model import Response
from checker.simulate import NoResponse, Outgoing, SimRequest, exposed_header_names, simulate
from checker.target import parse_origin
from tests.checker.analyzers.cors_observations import findings
from tests.checker.cors_sites import FRONTEND, URL
from tests.targets import Answer, ReceivedRequest

Headers = list[tuple[str, str]]

# The scan's finding ids and the simulator's failure ids, each mapped to the step that fails.
SCAN_VERDICTS = (
    ("origin", {"cors.preflight-missing-headers", "cors.wildcard-credentials"}),
    ("status", {"cors.preflight-rejected", "cors.preflight-redirect"}),
    ("methods-invalid", {"cors.preflight-allow-methods-invalid"}),
    ("headers-invalid", {"cors.preflight-allow-headers-invalid"}),
    ("method-not-allowed", {"cors.preflight-method-not-allowed"}),
    (
        "header-not-allowed",
        {"cors.preflight-headers-not-allowed", "cors.allow-headers-wildcard-authorization"},
    ),
)
SIMULATOR_VERDICTS = {
    "preflight-status": "status",
    "preflight-redirect": "status",
    "preflight-allow-methods-invalid": "methods-invalid",
    "preflight-allow-headers-invalid": "headers-invalid",
    "preflight-method-not-allowed": "method-not-allowed",
    "preflight-header-not-allowed": "header-not-allowed",
    "preflight-authorization-not-listed": "header-not-allowed",
}

GOOD = [
    ("Access-Control-Allow-Origin", FRONTEND),
    ("Access-Control-Allow-Credentials", "true"),
]


def row(preflight: Headers, expected: str, *, get: Headers = GOOD, status: int = 204):
    return pytest.param(preflight, get, status, expected)


def allow(methods: str | None = "GET, PUT", headers: str | None = "content-type, authorization"):
    """The trusted frontend, with credentials, and the two lists (None leaves one out)."""
    listed = [] if methods is None else [("Access-Control-Allow-Methods", methods)]
    listed += [] if headers is None else [("Access-Control-Allow-Headers", headers)]
    return GOOD + listed


ANONYMOUS = [("Access-Control-Allow-Origin", FRONTEND)]

CASES = {
    "complete": row(allow(), "ok"),
    "the issue's GET, PUT, bad value": row(allow("GET, PUT, bad value"), "methods-invalid"),
    "a quoted method": row(allow('PUT, "GET"'), "methods-invalid"),
    "semicolons for commas": row(allow("GET; PUT"), "methods-invalid"),
    "both lists broken: methods decide": row(allow("GET PUT", "a b"), "methods-invalid"),
    "a header list with a space in a name": row(
        allow(headers="content-type, x y"), "headers-invalid"
    ),
    "a header list with a semicolon": row(
        allow(headers="content-type; authorization"), "headers-invalid"
    ),
    "methods in lower case": row(allow("get, put"), "method-not-allowed"),
    "PUT missing": row(allow("GET, POST"), "method-not-allowed"),
    "no Allow-Methods": row(allow(None), "method-not-allowed"),
    "an empty Allow-Methods": row(allow(""), "method-not-allowed"),
    "empty items and whitespace": row(allow(" ,, GET ,\tPUT ,,"), "ok"),
    "a wildcard method with credentials": row(allow("*"), "method-not-allowed"),
    "a wildcard method without credentials": row(
        ANONYMOUS + [(ACAM, "*"), (ACAH, "content-type, authorization")], "ok", get=ANONYMOUS
    ),
    "repeated Allow-Methods headers": row(
        GOOD + [(ACAM, "GET"), (ACAM, "PUT"), (ACAH, "content-type, authorization")], "ok"
    ),
    "a literal * with credentials does not cover Content-Type": row(
        GOOD + [(ACAM, "PUT"), (ACAH, "*, authorization")], "header-not-allowed"
    ),
    "repeated Allow-Headers headers": row(
        GOOD + [(ACAM, "PUT"), (ACAH, "content-type"), (ACAH, "authorization")], "ok"
    ),
    "header names in any case": row(allow(headers="Content-Type, AUTHORIZATION"), "ok"),
    "no Allow-Headers": row(allow(headers=None), "header-not-allowed"),
    "Authorization not listed": row(allow(headers="content-type"), "header-not-allowed"),
    "a wildcard header with credentials": row(allow(headers="*"), "header-not-allowed"),
    "a wildcard header does not cover Authorization": row(
        ANONYMOUS + [(ACAM, "PUT"), (ACAH, "*")], "header-not-allowed", get=ANONYMOUS
    ),
    "a wildcard header with Authorization named": row(
        ANONYMOUS + [(ACAM, "PUT"), (ACAH, "*, Authorization")], "ok", get=ANONYMOUS
    ),
    "an unreadable Max-Age changes nothing": row(
        allow() + [("Access-Control-Max-Age", "10m")], "ok"
    ),
    "the origin twice on the preflight": row(
        [("Access-Control-Allow-Origin", FRONTEND)] + allow(), "origin"
    ),
    "the origin in another case on the preflight": row(
        [("Access-Control-Allow-Origin", FRONTEND.upper()), (ACAC, "true"), (ACAM, "PUT")], "origin"
    ),
    "no CORS on the preflight": row([(ACAM, "GET, PUT")], "origin"),
    "a wildcard origin with credentials": row(
        [
            ("Access-Control-Allow-Origin", "*"),
            (ACAC, "true"),
            (ACAM, "PUT"),
            (ACAH, "content-type, authorization"),
        ],
        "origin",
        get=[("Access-Control-Allow-Origin", "*"), (ACAC, "true")],
    ),
    "a refused preflight": row(allow(), "status", status=403),
}


def responder(preflight: Headers, get: Headers, status: int):
    """The site: answers only the trusted frontend, with the row's headers."""

    def respond(request: ReceivedRequest) -> Answer:
        headers: Headers = [("Content-Type", "application/json"), ("Vary", "Origin")]
        if request.header("Origin") == FRONTEND:
            headers += preflight if request.method == "OPTIONS" else get
        if request.method == "OPTIONS":
            return status, headers, b""
        return 200, headers, b"{}"

    return respond


def scan_verdict(respond) -> str:
    found = set(findings(respond, frontend=FRONTEND))
    return next((verdict for verdict, ids in SCAN_VERDICTS if ids & found), "ok")


def simulator_verdict(respond, get: Headers) -> tuple[str, str]:
    def answer(outgoing: Outgoing) -> Response | NoResponse:
        message = Message()
        for name, value in outgoing.headers:
            message[name] = value
        status, headers, body = respond(
            ReceivedRequest(outgoing.method, urlsplit(outgoing.url).path, message)
        )
        return Response(status, tuple(headers), body=body.decode())

    # The scan takes a frontend to send credentials when the site says it may.
    credentials = "include" if is_true([v for k, v in get if k.lower() == ACAC]) else "omit"
    request = SimRequest(
        origin=FRONTEND,
        url=URL,
        method="PUT",
        headers=(("Content-Type", "application/json"), ("Authorization", "Bearer t")),
        credentials=credentials,
        body=True,
    )
    verdict = simulate(request, answer)
    assert verdict.complete
    return step_of(verdict), step_of(verdict.chromium)


def step_of(verdict) -> str:
    if verdict.allowed:
        return "ok"
    failure = verdict.failure.id
    if failure.startswith(("allow-origin", "allow-credentials")):
        return "origin"
    return SIMULATOR_VERDICTS[failure]


# Where Chromium measurably parts from the standard (checker.simulate.CHROMIUM), by row.
CHROMIUM_DIFFERS = {"a wildcard header does not cover Authorization": "ok"}


@pytest.mark.parametrize(
    ("name", "preflight", "get", "status", "expected"),
    [pytest.param(name, *case.values, id=name) for name, case in CASES.items()],
)
def test_the_scan_and_the_simulator_reach_the_same_verdict(name, preflight, get, status, expected):
    respond = responder(preflight, get, status)
    standard, chromium = simulator_verdict(respond, get)
    assert scan_verdict(respond) == standard == expected
    assert chromium == CHROMIUM_DIFFERS.get(name, expected)


def test_the_issue_case_is_blocked_in_chromium_too_and_the_scan_says_so():
    respond = responder(allow("GET, PUT, bad value"), GOOD, 204)
    assert simulator_verdict(respond, GOOD) == ("methods-invalid", "methods-invalid")
    finding = findings(respond, frontend=FRONTEND)["cors.preflight-allow-methods-invalid"]
    facts = dict(finding.facts)
    assert facts["access-control-allow-methods"] == "GET, PUT, bad value"
    assert facts["not a token"] == "bad value"
    assert finding.severity.value not in ("pass", "ok", "info")
    assert finding.glossary == "mistake-allow-list-invalid"


@pytest.mark.parametrize(
    ("expose", "readable"),
    [
        (["X-Total"], True),
        (["x-total, X-Other"], True),
        ([",, X-Total ,"], True),
        (["X-Other", "X-Total"], True),  # repeated headers are one list
        (["X-Total, bad value"], False),  # one bad item spoils the list (measured in Chromium)
        (["X-Total X"], False),
        ([""], False),
    ],
)
def test_the_scan_flags_an_expose_list_exactly_when_the_simulator_hides_the_header(
    expose, readable
):
    def respond(request: ReceivedRequest) -> Answer:
        headers: Headers = [("X-Total", "3"), ("Vary", "Origin")]
        if request.header("Origin") == FRONTEND:
            headers += ANONYMOUS + [("Access-Control-Expose-Headers", value) for value in expose]
        return (204 if request.method == "OPTIONS" else 200), headers, b""

    answer = Response(200, tuple(respond(ReceivedRequest("GET", "/", _origin_header()))[1]))
    assert ("x-total" in exposed_header_names(answer, "omit")) is readable
    invalid = "cors.expose-headers-invalid" in findings(respond, frontend=FRONTEND)
    assert invalid is (not readable and expose != [""])


def _origin_header() -> Message:
    message = Message()
    message["Origin"] = FRONTEND
    return message


# --- The vocabulary itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "parsed"),
    [
        (["GET, PUT"], HeaderList(("GET", "PUT"), (), True)),
        (["GET", " PUT\t,,"], HeaderList(("GET", "PUT"), (), True)),
        (["GET, PUT, bad value"], HeaderList(("GET", "PUT", "bad value"), ("bad value",), True)),
        ([""], HeaderList((), (), True)),
        ([], HeaderList()),
        ("a,b", HeaderList(("a", "b"), (), True)),
    ],
)
def test_lists_are_split_as_fetch_extracts_header_list_values(values, parsed):
    assert parse_list(values) == parsed
    assert parse_list(values).valid is not parsed.invalid


def test_a_list_with_a_bad_item_is_a_failure_as_a_whole():
    assert parse_list(["GET, PUT, bad value"]).tokens == ()
    with pytest.raises(ValueError, match="bad value"):
        parse_header_list("GET, PUT, bad value")
    assert parse_header_list(None) is None
    assert parse_header_list(" , ") == ()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("600", 600),
        (" 42 ", 42),
        ("0", 0),
        ("+42", None),
        ("-1", None),
        ("1.5", None),
        ("10m", None),
        ("", None),
        (["600", "600"], None),
        (["600"], 600),
        (None, None),
    ],
)
def test_max_age_is_delta_seconds_only(value, seconds):
    assert parse_max_age(value) == seconds


def test_credentials_count_only_as_exactly_true():
    assert is_true(["true"])
    assert is_true([" true "])  # HTTP trims the whitespace around a value
    assert not is_true(["True"])
    assert not is_true(["true", "true"])
    assert not is_true([])


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("HTTPS://App.Example:443/path?q", "https://app.example"),
        ("http://app.example:8080", "http://app.example:8080"),
        ("https://[::1]:8443/", "https://[::1]:8443"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("data:text/plain,hi", "null"),
        ("file:///etc/hosts", "null"),
    ],
)
def test_urls_have_one_serialised_origin(raw, origin):
    assert origin_of(raw) == origin


def test_the_form_the_matrix_and_the_simulator_serialise_an_origin_alike():
    for raw in ("https://App.Example:443", "http://app.example:8080/", "https://bücher.example"):
        assert parse_origin(raw) == normalise_origin(raw) == origin_of(raw)
    assert parse_origin("null") == normalise_origin("null") == "null"


@pytest.mark.parametrize(
    ("acao", "credentials", "failure"),
    [
        (None, False, "allow-origin-missing"),
        ("*", False, None),
        ("*", True, "allow-origin-wildcard-credentials"),
        (FRONTEND, True, None),
        (f"{FRONTEND}, {FRONTEND}", False, "allow-origin-multiple"),
        (FRONTEND.upper(), False, "allow-origin-mismatch"),
        ("app.shop.example", False, "allow-origin-invalid"),
        ("null", False, "allow-origin-mismatch"),
    ],
)
def test_allow_origin_is_compared_with_the_serialised_origin(acao, credentials, failure):
    assert allow_origin_failure(acao, FRONTEND, credentials) == failure


def test_request_headers_are_written_lower_case_sorted_and_unique():
    assert request_headers_value(["X-B", "content-type", "x-b"]) == "content-type,x-b"
