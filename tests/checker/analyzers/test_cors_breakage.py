"""What breaks the site's own frontend: hand-built exchanges, no network.

Each probe of the real matrix (and the redirect hops) is answered in process by a responder that
sees the full URL, so a chain can cross origins."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from checker.analyze import cors_breakage
from checker.cors_matrix import (
    cors_probes,
    redirect_origins,
    redirect_probes,
    trusted_origin,
)
from checker.findings import row_for
from checker.model import Exchange, Finding, Observation, Request, Response, Severity
from checker.target import parse_target
from tests.checker.analyzers.cors_observations import findings as cors_findings
from tests.checker.breakage_sites import Server, api
from tests.checker.cors_sites import FRONTEND, SELF, listed, site

API = "https://api.shop.example/v1/items"
OLD = "https://old.shop.example/v1/items"


def exchange(server: Server, probe: str, method: str, url: str, headers, label=None) -> Exchange:
    status, answer = server(method, url, {name.lower(): value for name, value in headers})
    return Exchange(
        probe, Request(method, url, tuple(headers)), Response(status, tuple(answer)), None,
        "93.184.215.14", origin_label=label,
    )  # fmt: skip


def observe(
    server: Server,
    url: str = API,
    *,
    frontend: str | None = FRONTEND,
    before: tuple[str, ...] = (),
    authenticated: bool = False,
) -> Observation:
    """The main chain (``before`` redirects to ``url``), the matrix and the redirect hops."""
    target = parse_target(url)
    urls = [*before, target.url]
    chain = tuple(exchange(server, f"main.{i}", "GET", u, ()) for i, u in enumerate(urls))
    specs = cors_probes(target, frontend, token="fixed", authenticated=authenticated)
    specs += redirect_probes(urls, trusted_origin(target, frontend))
    # The engine adds an authenticated scan's headers where a browser sends credentials.
    login = (("Authorization", "<redacted>"),) if authenticated else ()
    probes = tuple(
        exchange(
            server,
            spec.id,
            spec.method,
            urljoin(target.url, spec.path) if spec.path else target.url,
            spec.headers + (login if spec.credentials and spec.method != "OPTIONS" else ()),
            spec.origin_label,
        )
        for spec in specs
    )
    return Observation(target, chain, probes, frontend)


def found(server: Server, **kwargs) -> dict[str, Finding]:
    result = list(cors_breakage.analyze(observe(server, **kwargs)))
    by_id = {f.id: f for f in result}
    assert len(by_id) == len(result), "an id was emitted twice"
    return by_id


def fact(finding: Finding, name: str) -> str:
    return dict(finding.facts)[name]


BREAKAGE = (
    "cors.headers-only-on-preflight",
    "cors.preflight-credentials-missing",
    "cors.redirect-breaks-cors",
    "cors.refusal-without-cors",
)


@pytest.mark.parametrize("finding_id", BREAKAGE)
def test_each_breakage_is_low_it_breaks_the_frontend_and_attacks_nothing(finding_id):
    row = row_for(finding_id)
    assert row.severity is Severity.LOW and row.modifier < 0 and row.cap is None
    assert row.glossary.startswith("mistake-")


def test_a_well_configured_api_breaks_nothing():
    assert found(api(credentials=True), authenticated=True) == {}
    assert found(api((SELF,), credentials=True), frontend=None) == {}


def test_cors_headers_on_the_preflight_only_are_flagged():
    finding = found(api(on_get=False))["cors.headers-only-on-preflight"]

    assert finding.exchanges == ("cors.preflight.frontend", "cors.get.frontend")
    assert fact(finding, "access-control-allow-origin") == "(absent)"
    assert fact(finding, "cors.preflight.frontend allowed") == FRONTEND


def test_without_a_frontend_the_sites_own_origin_is_judged():
    finding = found(api((SELF,), on_get=False), frontend=None)["cors.headers-only-on-preflight"]
    assert finding.exchanges == ("cors.preflight.self", "cors.get.self")


def test_a_preflight_that_fails_too_is_not_this_finding():
    # Neither answer allows the frontend: that is cors.frontend-blocked, not a partial set-up.
    assert "cors.headers-only-on-preflight" not in found(api(on_get=False, on_preflight=False))


def test_credentials_on_the_answer_but_not_on_the_preflight_are_flagged():
    result = found(api(credentials=True, preflight_credentials=False))

    finding = result["cors.preflight-credentials-missing"]
    assert finding.exchanges == ("cors.get.frontend", "cors.preflight.frontend")
    assert fact(finding, "access-control-allow-credentials") == "(absent)"
    assert "cors.headers-only-on-preflight" not in result


def test_credentials_on_neither_answer_are_no_mismatch():
    assert "cors.preflight-credentials-missing" not in found(api(credentials=False))


def test_credentials_on_both_answers_are_fine():
    assert "cors.preflight-credentials-missing" not in found(api(credentials=True))


@pytest.mark.parametrize(
    ("urls", "origin", "expected"),
    [
        # a page on F calls A, which redirects to B: cross-origin already, so B sees null
        (["https://a.example/", "https://b.example/"], "https://f.example",
         ["https://f.example", "null"]),
        # a page on A calls A, redirected to B: one crossing, the origin stays
        (["https://a.example/", "https://b.example/"], "https://a.example",
         [None, "https://a.example"]),
        # a page on B calls A, which redirects back to B: B sees null, though it is the page's
        (["https://a.example/", "https://b.example/"], "https://b.example",
         ["https://b.example", "null"]),
        # same-origin hops of a cross-origin request: no taint, every answer needs CORS
        (["https://a.example/x", "https://a.example/x/"], "https://f.example",
         ["https://f.example", "https://f.example"]),
        # http to https of the same host is a change of origin
        (["http://a.example/", "https://a.example/"], "https://f.example",
         ["https://f.example", "null"]),
        (["https://a.example:443/", "https://A.example/x"], "https://a.example", [None, None]),
    ],
)  # fmt: skip
def test_the_origin_a_browser_sends_along_a_redirect_chain(urls, origin, expected):
    assert redirect_origins(urls, origin) == expected


def test_a_chain_without_redirect_or_without_a_cross_origin_hop_gets_no_redirect_probe():
    frontend = trusted_origin(parse_target(API), FRONTEND)
    own = trusted_origin(parse_target(API), None)
    assert redirect_probes([API], frontend) == []
    assert redirect_probes([API + "/", API], own) == []
    assert [s.id for s in redirect_probes([OLD, API], frontend)] == [
        "cors.redirect.0",
        "cors.redirect.1",
    ]


def test_the_http_start_of_a_bare_name_is_not_a_hop_a_secure_page_would_take():
    own = trusted_origin(parse_target(API), None)
    assert redirect_probes(["http://api.shop.example/v1/items", API], own) == []
    plain = "http://old.shop.example/v1/items"
    specs = redirect_probes([plain, OLD, API], trusted_origin(parse_target(API), FRONTEND))
    assert [(s.id, s.path) for s in specs] == [("cors.redirect.1", OLD), ("cors.redirect.2", API)]
    local = trusted_origin(parse_target(API), "http://localhost:3000")
    assert [s.id for s in redirect_probes([plain, API], local)] == [
        "cors.redirect.0",
        "cors.redirect.1",
    ]


def test_a_long_chain_is_probed_on_its_first_hops_and_its_last():
    urls = [f"https://h{i}.shop.example/" for i in range(8)] + [API]
    specs = redirect_probes(urls, trusted_origin(parse_target(API), FRONTEND))
    assert [s.id for s in specs] == [
        "cors.redirect.0",
        "cors.redirect.1",
        "cors.redirect.2",
        "cors.redirect.8",
    ]
    assert [dict(s.headers)["Origin"] for s in specs] == [FRONTEND, "null", "null", "null"]
    assert specs[-1].path == API


def test_a_redirect_to_another_origin_makes_the_browser_send_null():
    server = api(credentials=True, redirect={OLD: API})

    finding = found(server, before=(OLD,))["cors.redirect-breaks-cors"]

    assert finding.exchanges == ("cors.get.frontend", "cors.redirect.1")
    assert "Origin: null" in finding.title and OLD in finding.title
    assert fact(finding, "origin sent") == "null"
    assert fact(finding, "redirects") == f"{OLD} → {API}"
    assert fact(finding, "credentials") == "true"


def test_a_final_url_that_allows_null_lets_the_redirected_request_through():
    server = api((FRONTEND, "null"), credentials=True, redirect={OLD: API})
    assert "cors.redirect-breaks-cors" not in found(server, before=(OLD,))


def test_with_credentials_a_wildcard_does_not_let_null_through():
    def wildcard(method, url, headers):
        status, answer = api(credentials=True, redirect={OLD: API})(method, url, headers)
        if headers.get("origin") == "null":
            answer = [*answer, ("Access-Control-Allow-Origin", "*")]
        return status, answer

    assert "cors.redirect-breaks-cors" in found(wildcard, before=(OLD,))


def test_a_redirect_answer_without_cors_headers_stops_the_browser_there():
    slash = API + "/"
    server = api(redirect={API: slash}, redirect_cors=False)

    finding = found(server, url=slash, before=(API,))["cors.redirect-breaks-cors"]

    assert finding.exchanges == ("cors.get.frontend", "cors.redirect.0")
    assert "carries no CORS headers" in finding.title
    assert fact(finding, "status") == "301"


def test_a_same_origin_redirect_with_cors_headers_is_fine():
    slash = API + "/"
    assert found(api(redirect={API: slash}), url=slash, before=(API,)) == {}


def test_a_redirect_is_not_judged_for_an_origin_the_final_url_refuses():
    server = api(allowed=(), redirect={OLD: API})
    assert found(server, before=(OLD,)) == {}


def test_a_refused_method_without_cors_headers_is_flagged():
    finding = found(api(refusals_cors=False))["cors.refusal-without-cors"]

    assert finding.exchanges == ("cors.get.frontend", "cors.refused.frontend")
    assert "405 (CORSCHECK)" in finding.title
    assert fact(finding, "access-control-allow-origin") == "(absent)"


def test_an_unauthenticated_401_without_cors_headers_is_flagged_on_an_authenticated_scan():
    server = api(credentials=True, needs_login=True, refusals_cors=False)

    finding = found(server, authenticated=True)["cors.refusal-without-cors"]

    assert finding.exchanges == (
        "cors.get.frontend",
        "cors.refused.frontend",
        "cors.anonymous.frontend",
    )
    assert "401 (no credentials)" in finding.title
    assert fact(finding, "cors.anonymous.frontend status") == "401"


def test_refusals_that_keep_their_cors_headers_are_fine():
    server = api(credentials=True, needs_login=True)
    assert "cors.refusal-without-cors" not in found(server, authenticated=True)


def test_refusals_are_not_judged_for_an_origin_the_site_never_allows():
    assert "cors.refusal-without-cors" not in found(api(allowed=(), refusals_cors=False))


def test_a_refusal_that_allows_the_origin_without_credentials_still_fails_a_credentialed_call():
    def no_credentials_on_errors(method, url, headers):
        status, answer = api(credentials=True)(method, url, headers)
        if status >= 400:
            answer = [h for h in answer if h[0] != "Access-Control-Allow-Credentials"]
        return status, answer

    assert "cors.refusal-without-cors" in found(no_credentials_on_errors)


def test_the_missing_page_alone_is_information_now():
    finding = cors_findings(site(listed(SELF), error_cors=False))["cors.error-without-cors"]
    assert finding.severity is Severity.INFO
    assert row_for("cors.error-without-cors").modifier == 0
