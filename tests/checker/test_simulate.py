"""The CORS simulator, rule by rule, on hand-built answers (no network).

What Chromium really does is checked by tests/conformance/; here every step of the algorithm is
pinned on its own, including the places where the standard and Chromium part ways.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.model import Exchange, Request, Response
from checker.simulate import (
    CHROMIUM,
    EXPLANATIONS,
    STANDARD,
    Hop,
    NoResponse,
    SimRequest,
    exposed_header_names,
    is_forbidden_header,
    is_safelisted_header,
    mime_essence,
    parse_header_list,
    parse_single_range,
    recorded,
    replay,
    serialise_origin,
    simulate,
    simulate_exchanges,
    simulate_response,
    unsafe_header_names,
)
from checker.target import parse_origin

APP = "https://app.example"
API = "https://api.example/items"
STAR = ("Access-Control-Allow-Origin", "*")
EXACT = ("Access-Control-Allow-Origin", APP)
CRED = ("Access-Control-Allow-Credentials", "true")
GLOSSARY = Path(__file__).resolve().parents[2] / "checker" / "glossary" / "entries"


def answer(*headers: tuple[str, str], status: int = 200) -> Response:
    return Response(status, tuple(headers))


def preflight(*headers: tuple[str, str], status: int = 204) -> Response:
    return Response(status, tuple(headers))


def request(**kwargs) -> SimRequest:
    kwargs.setdefault("origin", APP)
    kwargs.setdefault("url", API)
    return SimRequest(**kwargs)


def step(verdict, name: str):
    return next(s for s in verdict.steps if s.name == name)


# --- the CORS check ------------------------------------------------------------------------


def test_it_blocks_a_response_without_allow_origin():
    verdict = simulate_response(request(), answer())
    assert not verdict.allowed
    assert verdict.failure.id == "allow-origin-missing"
    assert verdict.failure.glossary == "error-no-allow-origin-header"
    assert verdict.console_message == (
        f"Access to fetch at '{API}' from origin '{APP}' has been blocked by CORS policy: No"
        " 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert verdict.script_error == "TypeError: Failed to fetch"


def test_it_allows_a_wildcard_without_credentials():
    verdict = simulate_response(request(), answer(STAR))
    assert verdict.allowed and verdict.failure is None and verdict.console_message is None
    assert not verdict.preflight_needed


def test_it_refuses_a_wildcard_when_credentials_are_included():
    verdict = simulate_response(request(credentials="include"), answer(STAR, CRED))
    assert verdict.failure.id == "allow-origin-wildcard-credentials"


@pytest.mark.parametrize(
    ("value", "failure"),
    [
        (APP + "/", "allow-origin-mismatch"),
        ("https://APP.example", "allow-origin-mismatch"),
        ("https://evil.example", "allow-origin-mismatch"),
        ("null", "allow-origin-mismatch"),
        ("app.example", "allow-origin-invalid"),
        (f"{APP}, https://other.example", "allow-origin-multiple"),
        (f"{APP} https://other.example", "allow-origin-multiple"),
    ],
)
def test_it_requires_the_allow_origin_to_equal_the_origin_byte_for_byte(value, failure):
    verdict = simulate_response(request(), answer(("Access-Control-Allow-Origin", value)))
    assert verdict.failure.id == failure
    assert f"'{value}'" in verdict.console_message


def test_it_joins_two_allow_origin_headers_and_refuses_them():
    verdict = simulate_response(request(), answer(EXACT, ("Access-Control-Allow-Origin", APP)))
    assert verdict.failure.id == "allow-origin-multiple"
    assert f"multiple values '{APP}, {APP}'" in verdict.console_message


@pytest.mark.parametrize("value", ["True", "TRUE", "1", "yes", None])
def test_it_accepts_only_lower_case_true_for_allow_credentials(value):
    headers = [EXACT] + ([("Access-Control-Allow-Credentials", value)] if value else [])
    verdict = simulate_response(request(credentials="include"), answer(*headers))
    assert verdict.failure.id == "allow-credentials"
    assert f"response is '{value or ''}' which must be 'true'" in verdict.console_message


def test_it_allows_exact_origin_with_credentials_true():
    verdict = simulate_response(request(credentials="include"), answer(EXACT, CRED))
    assert verdict.allowed
    assert any("cookie policy" in note for note in verdict.notes)


def test_it_ignores_allow_credentials_when_credentials_are_not_sent():
    for mode in ("omit", "same-origin"):
        assert simulate_response(request(credentials=mode), answer(EXACT)).allowed


def test_a_null_origin_page_is_allowed_by_allow_origin_null():
    verdict = simulate_response(
        request(origin="null"), answer(("Access-Control-Allow-Origin", "null"))
    )
    assert verdict.allowed
    assert verdict.sent[0].header("Origin") == "null"


# --- when a preflight is needed -----------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "get", "post"])
def test_safelisted_methods_need_no_preflight(method):
    verdict = simulate_response(request(method=method), answer(STAR))
    assert not verdict.preflight_needed
    assert verdict.sent[0].method == method.upper()


@pytest.mark.parametrize(
    ("written", "sent"), [("put", "PUT"), ("delete", "DELETE"), ("patch", "patch")]
)
def test_fetch_upper_cases_only_the_six_standard_methods(written, sent):
    verdict = simulate_response(request(method=written), answer(STAR), preflight(STAR))
    assert verdict.preflight_needed
    assert verdict.sent[0].header("Access-Control-Request-Method") == sent


@pytest.mark.parametrize("method", ["TRACE", "connect", "Track"])
def test_fetch_refuses_forbidden_methods_before_sending_anything(method):
    verdict = simulate_response(request(method=method), answer(STAR))
    assert verdict.failure.id == "script-forbidden-method"
    assert verdict.sent == () and verdict.console_message is None
    assert "HTTP method is unsupported" in verdict.script_error


def test_fetch_refuses_an_invalid_method_name():
    verdict = simulate_response(request(method="a b"), answer(STAR))
    assert verdict.script_error.endswith("'a b' is not a valid HTTP method.")


@pytest.mark.parametrize(
    ("headers", "failure"),
    [
        ((("X A", "1"),), "script-invalid-header-name"),
        ((("X-A", "a\nb"),), "script-invalid-header-value"),
        ((("X-A", "\u20ac"),), "script-invalid-header-value"),
    ],
)
def test_fetch_refuses_malformed_headers(headers, failure):
    assert simulate_response(request(headers=headers), answer(STAR)).failure.id == failure


def test_fetch_refuses_a_body_on_get_and_credentials_in_the_url():
    assert simulate_response(request(body=True), answer(STAR)).failure.id == "script-body-with-get"
    with_user = request(url="https://u:p@api.example/items")
    assert simulate_response(with_user, answer(STAR)).failure.id == "script-url-credentials"


def test_it_reports_and_drops_forbidden_request_headers():
    headers = (("Cookie", "a=b"), ("Sec-Thing", "1"), ("Proxy-X", "1"), ("Origin", "x"))
    verdict = simulate_response(request(headers=headers), answer(STAR))
    assert verdict.allowed and not verdict.preflight_needed
    dropped = step(verdict, "forbidden-headers")
    assert "Cookie, Sec-Thing, Proxy-X, Origin" in dropped.detail
    assert verdict.sent[0].header("Cookie") is None


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        ("X-HTTP-Method-Override", "TRACE", True),
        ("X-Method-Override", "get, connect", True),
        ("X-HTTP-Method", "PUT", False),
        ("Accept-Charset", "x", True),
        ("DNT", "1", True),
        ("X-Custom", "1", False),
    ],
)
def test_it_knows_which_headers_scripts_cannot_set(name, value, forbidden):
    assert is_forbidden_header(name, value) is forbidden


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        ("Accept", "application/json", True),
        ("Accept", "a" * 128, True),
        ("Accept", "a" * 129, False),
        ("Accept", "text/html(x)", False),
        ("Accept", 'a"b', False),
        ("Accept-Language", "en-GB,en;q=0.8", True),
        ("Accept-Language", "en_GB", False),
        ("Content-Language", "de", True),
        ("Content-Type", "text/plain", True),
        ("Content-Type", "text/plain;charset=UTF-8", True),
        ("Content-Type", "MULTIPART/FORM-DATA; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "text/plain;;;a", True),
        ("Content-Type", "application/json", False),
        ("Content-Type", "text/plain garbage", False),
        ("Content-Type", 'text/plain; x="a"', False),
        ("Content-Type", "text/", False),
        ("Content-Type", "text/plain, application/json", False),
        ("Range", "bytes=0-10", True),
        ("Range", "bytes=5-", True),
        ("Range", "bytes=-5", False),
        ("Range", "bytes=0-1,3-4", False),
        ("Range", "bytes = 0-1", False),
        ("Range", "BYTES=0-1", False),
        ("Range", "bytes=5-1", False),
        ("X-Custom", "1", False),
        ("DPR", "2", False),
    ],
)
def test_it_applies_the_safelisted_header_value_rules(name, value, safe):
    assert is_safelisted_header(name, value) is safe


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        ("DPR", "2", True),
        ("DPR", "1.", False),
        ("Device-Memory", "0.5", True),
        ("Downlink", "1.5", True),
        ("Width", "640", True),
        ("Width", "", False),
        ("Viewport-Width", "1.5", False),
        ("RTT", "50", True),
        ("RTT", "5.5", False),
        ("ECT", "4g", True),
        ("ECT", "4G", False),
        ("Save-Data", "ON", True),
        ("Save-Data", "off", False),
        ("Intervention", "anything", True),
        ("Range", "bytes=0-1", True),
    ],
)
def test_chromium_also_safelists_client_hints_with_well_formed_values(name, value, safe):
    assert is_safelisted_header(name, value, CHROMIUM) is safe


def test_it_trims_header_values_before_judging_them():
    headers = (("Content-Type", " text/plain\t"),)
    verdict = simulate_response(request(method="POST", body=True, headers=headers), answer(STAR))
    assert not verdict.preflight_needed
    assert verdict.sent[0].header("Content-Type") == "text/plain"


def test_safelisted_values_over_1024_bytes_in_total_need_a_preflight():
    headers = tuple(("Accept", "a" * 120) for _ in range(9))
    assert unsafe_header_names(headers) == ("accept",)
    assert unsafe_header_names(headers[:8]) == ()


def test_chromium_joins_repeated_headers_before_judging_them():
    headers = (("Accept", "a" * 100), ("Accept", "b" * 100))
    verdict = simulate_response(request(headers=headers), answer(STAR), preflight(STAR))
    assert verdict.allowed and not verdict.preflight_needed
    chromium = verdict.chromium
    assert chromium.preflight_needed and not chromium.allowed
    assert chromium.failure.id == "preflight-header-not-allowed"
    assert not verdict.browsers_agree


def test_the_preflight_names_unsafe_headers_sorted_and_lower_case():
    headers = (("X-B", "1"), ("X-A", "2"), ("Accept", "text/html"))
    verdict = simulate_response(
        request(method="PUT", headers=headers),
        answer(STAR),
        preflight(
            STAR,
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "x-a, X-B"),
        ),
    )
    assert verdict.allowed
    sent = verdict.sent[0]
    assert (sent.kind, sent.method) == ("preflight", "OPTIONS")
    assert sent.header("Access-Control-Request-Method") == "PUT"
    assert sent.header("Access-Control-Request-Headers") == "x-a,x-b"
    assert sent.header("Origin") == APP
    assert verdict.preflight_reasons == (
        "the method PUT is not one of GET, HEAD and POST",
        "the header x-a is not safelisted",
        "the header x-b is not safelisted",
    )


def test_it_explains_a_long_accept_header_as_the_reason_for_a_preflight():
    verdict = simulate_response(
        request(headers=(("Accept", "a" * 200),)), answer(STAR), preflight(STAR)
    )
    assert verdict.preflight_reasons == ("the accept header is longer than 128 bytes",)


# --- the preflight's answer -----------------------------------------------------------------


def test_a_preflight_needs_an_ok_status():
    verdict = simulate_response(request(method="PUT"), answer(STAR), preflight(STAR, status=405))
    assert verdict.failure.id == "preflight-status"
    assert verdict.console_message.endswith(
        "Response to preflight request doesn't pass access control check: It does not have HTTP"
        " ok status."
    )


def test_a_preflight_without_allow_origin_reports_that_first():
    verdict = simulate_response(request(method="PUT"), answer(STAR), preflight(status=405))
    assert verdict.failure.id == "allow-origin-missing"
    assert "Response to preflight request doesn't pass access control check: No" in (
        verdict.console_message
    )


def test_a_preflight_answered_with_a_redirect_fails():
    moved = Response(302, (STAR, ("Location", "/elsewhere")))
    verdict = simulate_response(request(method="PUT"), answer(STAR), moved)
    assert verdict.failure.id == "preflight-redirect"
    assert verdict.console_message.endswith("Redirect is not allowed for a preflight request.")
    assert len(verdict.sent) == 1


def test_a_credentialed_preflight_needs_allow_credentials_too():
    verdict = simulate_response(
        request(method="PUT", credentials="include"),
        answer(EXACT, CRED),
        preflight(EXACT, ("Access-Control-Allow-Methods", "PUT")),
    )
    assert verdict.failure.id == "allow-credentials"
    assert "preflight request doesn't pass" in verdict.console_message


@pytest.mark.parametrize(
    ("method", "allowed_methods", "allowed"),
    [
        ("PUT", "GET, POST", False),
        ("PUT", "put", False),
        ("PUT", "PUT", True),
        ("patch", "patch", True),
        ("patch", "PATCH", False),
        ("PATCH", "patch", False),
        ("DELETE", "*", True),
        ("PUT", ",PUT,, ", True),
    ],
)
def test_allow_methods_is_compared_case_sensitively(method, allowed_methods, allowed):
    verdict = simulate_response(
        request(method=method),
        answer(STAR),
        preflight(STAR, ("Access-Control-Allow-Methods", allowed_methods)),
    )
    assert verdict.allowed is allowed
    assert verdict.chromium.allowed is allowed
    if not allowed:
        assert verdict.console_message.endswith(
            f"Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."
        )


def test_a_method_wildcard_is_a_literal_name_with_credentials():
    verdict = simulate_response(
        request(method="DELETE", credentials="include"),
        answer(EXACT, CRED),
        preflight(EXACT, CRED, ("Access-Control-Allow-Methods", "*")),
    )
    assert verdict.failure.id == "preflight-method-not-allowed"
    assert "literal" in step(verdict, "preflight.allow-methods").detail


@pytest.mark.parametrize(
    ("header", "value", "failure"),
    [
        ("Access-Control-Allow-Methods", "PUT GET", "preflight-allow-methods-invalid"),
        ("Access-Control-Allow-Headers", "x-a;", "preflight-allow-headers-invalid"),
    ],
)
def test_an_unparsable_allow_list_fails_the_preflight(header, value, failure):
    verdict = simulate_response(
        request(method="PUT", headers=(("X-A", "1"),)),
        answer(STAR),
        preflight(STAR, ("Access-Control-Allow-Methods", "PUT"), (header, value)),
    )
    assert verdict.failure.id == failure
    assert verdict.console_message.endswith("response header field in preflight response.")


def test_allow_headers_matches_names_case_insensitively():
    verdict = simulate_response(
        request(headers=(("X-Api-Key", "k"),)),
        answer(STAR),
        preflight(STAR, ("Access-Control-Allow-Headers", "x-API-key")),
    )
    assert verdict.allowed


def test_a_header_wildcard_covers_custom_headers_only_without_credentials():
    headers = (("X-Api-Key", "k"),)
    allow = ("Access-Control-Allow-Headers", "*")
    assert simulate_response(request(headers=headers), answer(STAR), preflight(STAR, allow)).allowed
    credentialed = simulate_response(
        request(headers=headers, credentials="include"),
        answer(EXACT, CRED),
        preflight(EXACT, CRED, allow),
    )
    assert credentialed.failure.id == "preflight-header-not-allowed"
    assert credentialed.console_message.endswith(
        "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in"
        " preflight response."
    )


def test_a_header_wildcard_never_covers_authorization_in_the_standard_but_does_in_chromium():
    verdict = simulate_response(
        request(headers=(("Authorization", "Bearer t"),)),
        answer(STAR),
        preflight(STAR, ("Access-Control-Allow-Headers", "*")),
    )
    assert verdict.failure.id == "preflight-authorization-not-listed"
    assert verdict.failure.glossary == "mistake-allow-headers-wildcard-authorization"
    assert verdict.chromium.allowed
    assert verdict.console_message is None  # Chromium lets it through and prints nothing


def test_authorization_listed_by_name_passes():
    verdict = simulate_response(
        request(headers=(("Authorization", "Bearer t"),), credentials="include"),
        answer(EXACT, CRED),
        preflight(EXACT, CRED, ("Access-Control-Allow-Headers", "Authorization")),
    )
    assert verdict.allowed


def test_the_first_missing_header_in_sorted_order_is_named():
    verdict = simulate_response(
        request(headers=(("X-B", "1"), ("X-A", "2"))), answer(STAR), preflight(STAR)
    )
    assert "Request header field x-a is not allowed" in verdict.console_message


# --- what the script can read --------------------------------------------------------------


def test_only_safelisted_response_headers_are_exposed_by_default():
    response = answer(
        STAR, ("Content-Type", "text/plain"), ("X-Total", "3"), ("Content-Length", "2")
    )
    assert simulate_response(request(), response).exposed_headers == (
        "content-type",
        "content-length",
    )


@pytest.mark.parametrize(
    ("expose", "credentials", "exposed"),
    [
        ("X-Total", "omit", ("x-total",)),
        (
            "*",
            "omit",
            ("access-control-allow-origin", "x-total", "x-other", "access-control-expose-headers"),
        ),
        ("*, x-other", "include", ("x-other",)),
        ("X-Total X", "omit", ()),
    ],
)
def test_expose_headers_adds_names_and_a_wildcard_only_without_credentials(
    expose, credentials, exposed
):
    response = answer(
        EXACT if credentials == "include" else STAR,
        ("X-Total", "3"),
        ("X-Other", "1"),
        ("Set-Cookie", "a=b"),
        ("Access-Control-Expose-Headers", expose),
    )
    assert exposed_header_names(response, credentials) == tuple(
        name
        for name in exposed
        if name != "access-control-allow-origin" or credentials != "include"
    )


def test_set_cookie_is_never_exposed():
    response = answer(("Set-Cookie", "a=b"), ("X-A", "1"))
    assert exposed_header_names(response, cors=False) == ("x-a",)


# --- same origin, mixed content --------------------------------------------------------------


def test_a_same_origin_request_needs_no_cors_headers():
    verdict = simulate_response(
        request(url=f"{APP}/items", method="PUT", headers=(("X-A", "1"),)),
        answer(("X-Secret", "1"), ("Set-Cookie", "a=b")),
    )
    assert verdict.allowed and not verdict.preflight_needed
    assert verdict.exposed_headers == ("x-secret",)
    assert verdict.sent[0].header("Origin") == APP  # non-GET requests carry Origin even so


def test_a_same_origin_get_sends_no_origin_header():
    verdict = simulate_response(request(url=f"{APP}/items"), answer())
    assert verdict.sent[0].header("Origin") is None


def test_a_null_origin_page_is_cross_origin_even_to_its_own_server():
    verdict = simulate_response(request(origin="null", url=f"{APP}/items"), answer())
    assert verdict.failure.id == "allow-origin-missing"


def test_an_https_page_cannot_fetch_plain_http():
    verdict = simulate_response(
        request(url="http://api.example/items", page_url=f"{APP}/page"), answer(STAR)
    )
    assert verdict.failure.id == "mixed-content"
    assert verdict.sent == ()
    assert verdict.console_message.startswith(f"Mixed Content: The page at '{APP}/page' was")


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "api.localhost", "[::1]"])
def test_plain_http_on_loopback_is_not_mixed_content(host):
    assert simulate_response(request(url=f"http://{host}/items"), answer(STAR)).allowed


def test_a_non_http_url_is_refused():
    verdict = simulate_response(request(url="ftp://files.example/x"), answer(STAR))
    assert verdict.failure.id == "script-bad-url"
    assert verdict.console_message == (
        'Fetch API cannot load ftp://files.example/x. URL scheme "ftp" is not supported.'
    )


# --- redirects -----------------------------------------------------------------------------


def moved(location: str, *headers: tuple[str, str], status: int = 302) -> Response:
    return Response(status, (("Location", location), *headers))


def test_a_cross_origin_redirect_to_another_origin_taints_the_origin():
    verdict = simulate(
        request(),
        replay([Hop(moved("https://cdn.example/x", EXACT)), Hop(answer(EXACT))]),
    )
    assert verdict.failure.id == "allow-origin-mismatch"
    assert [out.header("Origin") for out in verdict.sent] == [APP, "null"]
    assert step(verdict, "tainted-origin").hop == 0
    assert "(redirected from 'https://api.example/items')" in verdict.console_message
    assert verdict.console_message.startswith("Access to fetch at 'https://cdn.example/x'")


@pytest.mark.parametrize("final", ["null", "*"])
def test_a_tainted_request_is_allowed_by_null_or_a_wildcard(final):
    verdict = simulate(
        request(),
        replay(
            [
                Hop(moved("https://cdn.example/x", EXACT)),
                Hop(answer(("Access-Control-Allow-Origin", final))),
            ]
        ),
    )
    assert verdict.allowed


def test_a_redirect_back_to_the_page_origin_is_still_tainted():
    verdict = simulate(request(), replay([Hop(moved(f"{APP}/back", EXACT)), Hop(answer(EXACT))]))
    assert verdict.failure.id == "allow-origin-mismatch"


def test_a_redirect_within_the_same_server_keeps_the_origin():
    verdict = simulate(request(), replay([Hop(moved("/other", EXACT)), Hop(answer(EXACT))]))
    assert verdict.allowed
    assert verdict.sent[1].url == "https://api.example/other"


def test_a_same_origin_redirect_to_another_origin_becomes_cors_without_taint():
    verdict = simulate(request(url=f"{APP}/go"), replay([Hop(moved(API)), Hop(answer(EXACT))]))
    assert verdict.allowed
    assert [out.header("Origin") for out in verdict.sent] == [None, APP]


def test_a_cross_origin_redirect_needs_allow_origin_on_the_redirect_itself():
    verdict = simulate(request(), replay([Hop(moved("https://cdn.example/x")), Hop(answer(STAR))]))
    assert verdict.failure.id == "allow-origin-missing"
    assert len(verdict.sent) == 1


def test_a_redirect_to_a_url_with_credentials_fails_cross_origin():
    verdict = simulate(request(), replay([Hop(moved("https://u:p@cdn.example/x", STAR))]))
    assert verdict.failure.id == "redirect-credentials"
    assert "Redirect location '' contains a username and password" in verdict.console_message


def test_a_same_origin_redirect_with_credentials_is_allowed_by_the_standard_only():
    verdict = simulate(
        request(url=f"{APP}/go"), replay([Hop(moved(f"https://u:p@{APP[8:]}/x")), Hop(answer())])
    )
    assert verdict.allowed
    assert verdict.chromium.failure.id == "redirect-credentials-same-origin"
    assert verdict.chromium.console_message is None


@pytest.mark.parametrize(
    ("location", "failure", "console"),
    [
        (
            "data:text/plain,hi",
            "redirect-unsafe-scheme",
            "Failed to load resource: net::ERR_UNSAFE_REDIRECT",
        ),
        ("ftp://cdn.example/x", "redirect-scheme", "Cross origin requests are only supported"),
        (
            "https://[zz/",
            "redirect-invalid-location",
            "Failed to load resource: net::ERR_INVALID_REDIRECT",
        ),
    ],
)
def test_a_redirect_must_lead_to_an_http_url(location, failure, console):
    verdict = simulate(request(), replay([Hop(moved(location, STAR))]))
    assert verdict.failure.id == failure
    assert console in verdict.console_message


def test_the_browser_gives_up_after_twenty_redirects():
    loop = Hop(moved(API, STAR))
    verdict = simulate(request(), replay([loop] * 30))
    assert verdict.failure.id == "redirect-limit"
    assert len(verdict.sent) == 21
    assert verdict.console_message == "Failed to load resource: net::ERR_TOO_MANY_REDIRECTS"


def test_a_303_turns_a_post_into_a_get_without_its_content_type():
    headers = (("Content-Type", "application/json"),)
    verdict = simulate(
        request(method="POST", body=True, headers=headers),
        replay(
            [
                Hop(
                    moved("https://cdn.example/x", STAR, status=303),
                    preflight(STAR, ("Access-Control-Allow-Headers", "content-type")),
                ),
                Hop(answer(STAR)),
            ]
        ),
    )
    assert verdict.allowed
    assert [(out.kind, out.method) for out in verdict.sent] == [
        ("preflight", "OPTIONS"),
        ("request", "POST"),
        ("request", "GET"),
    ]
    assert verdict.sent[2].header("Content-Type") is None


def test_a_307_keeps_the_method_and_preflights_again_with_a_null_origin():
    allow = ("Access-Control-Allow-Methods", "PUT")
    verdict = simulate(
        request(method="PUT"),
        replay(
            [
                Hop(moved("https://cdn.example/x", EXACT, status=307), preflight(EXACT, allow)),
                Hop(answer(STAR), preflight(EXACT, allow)),
            ]
        ),
    )
    assert verdict.failure.id == "allow-origin-mismatch"
    assert verdict.sent[2].kind == "preflight"
    assert verdict.sent[2].header("Origin") == "null"
    assert "preflight request doesn't pass" in verdict.console_message


# --- supplying answers ---------------------------------------------------------------------


def test_a_missing_answer_leaves_the_verdict_incomplete():
    verdict = simulate(request(method="PUT"), replay([]))
    assert not verdict.allowed and verdict.failure is None and not verdict.complete
    assert verdict.waiting_for.kind == "preflight"


def test_recorded_answers_drive_the_simulation_to_completion():
    answers: dict = {}
    server = {
        "preflight": preflight(STAR, ("Access-Control-Allow-Methods", "PUT")),
        "request": answer(STAR),
    }
    for _ in range(5):
        verdict = simulate(request(method="PUT"), recorded(answers))
        if verdict.complete:
            break
        wanted = verdict.waiting_for
        answers[(wanted.hop, wanted.kind)] = server[wanted.kind]
    assert verdict.complete and verdict.allowed
    assert len(answers) == 2


def test_an_unreachable_server_is_a_network_error():
    verdict = simulate(request(), replay([Hop(NoResponse("connection refused"))]))
    assert verdict.failure.id == "no-response"
    assert "connection refused" in verdict.failure.explanation


def test_it_judges_the_engines_exchanges():
    sent = Request("GET", API, (("Origin", APP),))
    actual = Exchange("cors.get.app", sent, Response(200, (EXACT, CRED)))
    assert simulate_exchanges(request(credentials="include"), actual).allowed
    failed = Exchange("cors.get.app", sent, None, error="timed out")
    assert simulate_exchanges(request(), failed).failure.id == "no-response"


def test_it_records_each_step_with_a_verdict():
    verdict = simulate_response(
        request(method="PUT"),
        answer(STAR),
        preflight(STAR, ("Access-Control-Allow-Methods", "PUT")),
    )
    assert [(s.name, s.passed) for s in verdict.steps] == [
        ("script", True),
        ("preflight-needed", True),
        ("preflight.allow-origin", True),
        ("preflight.status", True),
        ("preflight.allow-methods", True),
        ("preflight.max-age", True),
        ("allow-origin", True),
        ("exposed-headers", True),
    ]


# --- inputs and tables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("HTTPS://App.Example:443", "https://app.example"),
        ("http://app.example:8080/", "http://app.example:8080"),
        ("https://Bücher.example", "https://xn--bcher-kva.example"),
        ("null", "null"),
    ],
)
def test_it_serialises_origins_as_browsers_do(raw, origin):
    assert serialise_origin(raw) == origin
    assert serialise_origin(raw) == parse_origin(raw)  # one serialiser: the form's and ours


def test_a_unicode_page_url_and_its_punycode_origin_are_the_same_origin():
    verdict = simulate_response(
        request(origin="https://bücher.example", url="https://xn--bcher-kva.example/api"),
        answer(),
    )
    assert step(verdict, "same-origin").passed


@pytest.mark.parametrize("raw", ["app.example", "https://app.example/path", "ftp://x.example"])
def test_it_refuses_what_is_not_an_origin(raw):
    with pytest.raises(ValueError):
        serialise_origin(raw)


def test_it_refuses_modes_and_credentials_it_does_not_simulate():
    with pytest.raises(ValueError):
        simulate_response(request(mode="no-cors"), answer())
    with pytest.raises(ValueError):
        simulate_response(request(credentials="always"), answer())


def test_every_failure_links_to_an_existing_glossary_entry():
    for failure_id, (text, slug) in EXPLANATIONS.items():
        assert text, failure_id
        if slug is not None:
            assert (GLOSSARY / f"{slug}.md").exists(), (failure_id, slug)


def test_the_two_rule_sets_are_named():
    assert (STANDARD.name, CHROMIUM.name) == ("standard", "chromium")


# --- properties ----------------------------------------------------------------------------

header_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=200)
token = st.from_regex(r"[A-Za-z0-9\-]{1,20}", fullmatch=True)


@given(header_text)
def test_parsing_an_allow_list_returns_tokens_or_refuses(value):
    try:
        items = parse_header_list(value)
    except ValueError:
        return
    assert all(item and "," not in item and item == item.strip() for item in items)


@given(header_text)
def test_value_parsers_never_raise(value):
    mime_essence(value)
    parse_single_range(value)
    for rules in (STANDARD, CHROMIUM):
        for name in ("accept", "content-type", "range", "accept-language", "dpr", "ect", "x-a"):
            is_safelisted_header(name, value, rules)


@given(st.lists(st.tuples(token, header_text), max_size=8))
def test_unsafe_header_names_are_sorted_lower_case_and_unique(headers):
    names = unsafe_header_names(tuple(headers))
    assert list(names) == sorted(set(names))
    assert all(name == name.lower() for name in names)


@given(
    st.sampled_from(["GET", "POST", "PUT", "patch"]),
    st.lists(st.tuples(token, header_text), max_size=4),
    st.sampled_from(["omit", "same-origin", "include"]),
    st.lists(st.tuples(token, header_text), max_size=6),
    st.integers(min_value=100, max_value=599),
)
def test_simulating_arbitrary_answers_never_raises_and_stays_consistent(
    method, headers, credentials, answer_headers, status
):
    response = Response(status, tuple(answer_headers))
    verdict = simulate_response(
        request(method=method, headers=tuple(headers), credentials=credentials),
        response,
        response,
    )
    for outcome in (verdict, verdict.chromium):
        assert outcome.allowed == (outcome.failure is None and outcome.pending is None)
        if not outcome.allowed:
            assert outcome.exposed_headers == ()
        assert outcome.steps
