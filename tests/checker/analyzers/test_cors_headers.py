"""Whether CORS headers are written so browsers accept them, and sent where they must be."""

from __future__ import annotations

import pytest

from checker.analyze.cors_headers import origin_problem
from checker.model import Severity
from tests.checker.analyzers.cors_observations import findings
from tests.checker.cors_sites import FRONTEND, SELF, listed, regex, site
from tests.targets import ReceivedRequest


def fact(finding, name: str) -> str:
    return dict(finding.facts)[name]


def fixed_headers(*headers: tuple[str, str], status: int = 200):
    def respond(request: ReceivedRequest):
        return status, [("Vary", "Origin"), *headers], b""

    return respond


def test_it_flags_two_allow_origin_headers():
    found = findings(
        fixed_headers(
            ("Access-Control-Allow-Origin", SELF), ("Access-Control-Allow-Origin", FRONTEND)
        )
    )
    finding = found["cors.allow-origin-multiple"]
    assert finding.severity is Severity.LOW
    assert finding.glossary == "mistake-multiple-origins-in-header"
    assert fact(finding, "access-control-allow-origin") == f"{SELF}, {FRONTEND}"


def test_it_flags_a_comma_list_in_allow_origin():
    found = findings(fixed_headers(("Access-Control-Allow-Origin", f"{SELF}, {FRONTEND}")))
    assert "cors.allow-origin-multiple" in found
    assert "cors.allow-origin-malformed" not in found


def test_an_echoed_origin_that_holds_a_comma_is_one_origin():
    found = findings(site(regex(r"^https://shop\.example,")))
    assert "cors.allow-origin-multiple" not in found
    assert "cors.special-characters" in found


@pytest.mark.parametrize(
    ("value", "why", "finding_id", "glossary"),
    [
        ("https://app.shop.example/", "ends with a slash", "cors.allow-origin-with-path",
         "mistake-origin-with-path-or-slash"),
        ("https://app.shop.example/api", "path", "cors.allow-origin-with-path",
         "mistake-origin-with-path-or-slash"),
        ("app.shop.example", "no scheme", "cors.allow-origin-malformed",
         "error-invalid-allow-origin-value"),
        ("https://App.Shop.Example", "lower case", "cors.allow-origin-malformed",
         "error-invalid-allow-origin-value"),
        ("https://app.shop.example:443", "default port", "cors.allow-origin-malformed",
         "error-invalid-allow-origin-value"),
    ],
)  # fmt: skip
def test_it_flags_an_allow_origin_that_can_never_match(value, why, finding_id, glossary):
    finding = findings(fixed_headers(("Access-Control-Allow-Origin", value)))[finding_id]
    assert why in fact(finding, "why")
    assert finding.glossary == glossary


@pytest.mark.parametrize("value", ["*", "null", "https://app.example", "http://[::1]:8080"])
def test_a_well_formed_allow_origin_has_no_problem(value):
    assert origin_problem(value) is None


@pytest.mark.parametrize("value", ["True", "TRUE", "1", "yes", "false"])
def test_it_flags_allow_credentials_other_than_exactly_true(value):
    found = findings(
        fixed_headers(
            ("Access-Control-Allow-Origin", FRONTEND), ("Access-Control-Allow-Credentials", value)
        )
    )
    finding = found["cors.allow-credentials-invalid"]
    assert fact(finding, "values seen") == value
    assert finding.glossary == "mistake-allow-credentials-not-true"


def test_two_true_credentials_headers_are_invalid_too():
    found = findings(
        fixed_headers(
            ("Access-Control-Allow-Origin", FRONTEND),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Credentials", "true"),
        )
    )
    assert fact(found["cors.allow-credentials-invalid"], "values seen") == "true, true"


def test_exactly_true_credentials_are_fine():
    assert "cors.allow-credentials-invalid" not in findings(site(listed(SELF), credentials=True))


def test_it_flags_a_wildcard_origin_with_credentials():
    found = findings(site(wildcard=True, credentials=True))

    finding = found["cors.wildcard-credentials"]
    assert finding.severity is Severity.LOW
    assert finding.glossary == "mistake-wildcard-with-credentials"
    assert "cors.wildcard" in found


def test_a_wildcard_without_credentials_is_not_a_credentials_mistake():
    assert "cors.wildcard-credentials" not in findings(site(wildcard=True))


def test_it_flags_an_echoed_origin_without_vary_origin():
    found = findings(site(listed(SELF), vary=False))

    finding = found["cors.vary-origin-missing"]
    assert finding.glossary == "mistake-missing-vary-origin"
    assert finding.exchanges == ("cors.get.self", "cors.error.self")
    assert fact(finding, "vary") == "(absent)"


@pytest.mark.parametrize("vary", ["Origin", "accept-encoding, origin", "Accept,  ORIGIN ", "*"])
def test_a_vary_that_names_origin_in_any_form_is_enough(vary):
    found = findings(site(listed(SELF), vary=False, extra=[("Vary", vary)]))
    assert "cors.vary-origin-missing" not in found


def test_a_wildcard_needs_no_vary():
    assert "cors.vary-origin-missing" not in findings(site(wildcard=True, vary=False))


def test_it_flags_error_responses_that_drop_cors_headers():
    found = findings(site(listed(SELF), error_cors=False))

    finding = found["cors.error-without-cors"]
    assert finding.exchanges == ("cors.get.self", "cors.error.self")
    assert fact(finding, "status") == "404"
    assert finding.glossary == "mistake-cors-missing-on-errors"


def test_error_responses_with_cors_headers_are_fine():
    assert "cors.error-without-cors" not in findings(site(listed(SELF)))


def test_a_catch_all_page_that_answers_200_is_not_judged_as_an_error_page():
    def spa(request: ReceivedRequest):
        headers = [("Vary", "Origin")]
        if "corscheck-404" not in request.path:
            headers.append(("Access-Control-Allow-Origin", request.header("Origin") or ""))
        return 200, headers, b""

    assert "cors.error-without-cors" not in findings(spa)


def test_the_error_probe_is_judged_against_the_frontend_when_given():
    found = findings(site(listed(FRONTEND), error_cors=False), frontend=FRONTEND)
    assert found["cors.error-without-cors"].exchanges == (
        "cors.get.frontend",
        "cors.error.frontend",
    )


PNA = [("Access-Control-Allow-Private-Network", "true")]


def test_private_network_access_for_any_origin_is_information_on_a_public_host():
    found = findings(site(listed("https://evil.example"), preflight_extra=PNA))

    finding = found["cors.private-network-allowed"]
    assert finding.severity is Severity.INFO
    assert finding.exchanges == ("cors.private-network.arbitrary",)
    assert finding.glossary == "private-network-access"


def test_private_network_access_for_any_origin_matters_on_a_private_host():
    found = findings(site(listed("https://evil.example"), preflight_extra=PNA), address="10.1.2.3")
    assert found["cors.private-network-allowed"].severity is Severity.MEDIUM


def test_private_network_access_needs_the_origin_allowed_as_well():
    found = findings(site(listed(SELF), preflight_extra=PNA))
    assert "cors.private-network-allowed" not in found
