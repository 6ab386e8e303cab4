"""Preflight answers: status, the method and headers granted, wildcards and Max-Age."""

from __future__ import annotations

import pytest

from checker.analyze.cors_answers import parse_list
from checker.analyze.cors_preflight import parse_max_age
from checker.model import Severity
from tests.checker.analyzers.cors_observations import findings
from tests.checker.cors_sites import FRONTEND, SELF, anyone, listed, site
from tests.targets import ReceivedRequest

PREFLIGHT_IDS = {
    "cors.preflight-redirect",
    "cors.preflight-rejected",
    "cors.preflight-missing-headers",
    "cors.preflight-method-not-allowed",
    "cors.preflight-headers-not-allowed",
    "cors.allow-headers-wildcard-authorization",
    "cors.wildcard-literal-with-credentials",
    "cors.max-age-capped",
    "cors.max-age-invalid",
}


def fact(finding, name: str) -> str:
    return dict(finding.facts)[name]


def test_a_complete_preflight_answer_gives_no_preflight_finding():
    found = findings(site(listed(SELF, FRONTEND), credentials=True), frontend=FRONTEND)
    assert set(found) & PREFLIGHT_IDS == set()


@pytest.mark.parametrize(
    ("status", "finding", "glossary"),
    [
        (405, "cors.preflight-rejected", "mistake-preflight-rejected"),
        (401, "cors.preflight-rejected", "mistake-preflight-rejected"),
        (500, "cors.preflight-rejected", "mistake-preflight-rejected"),
        (301, "cors.preflight-redirect", "mistake-preflight-redirect"),
        (307, "cors.preflight-redirect", "mistake-preflight-redirect"),
    ],
)
def test_it_flags_a_preflight_that_a_browser_cannot_pass(status, finding, glossary):
    found = findings(site(listed(FRONTEND), preflight_status=status), frontend=FRONTEND)

    assert found[finding].glossary == glossary
    assert found[finding].exchanges == ("cors.get.frontend", "cors.preflight.frontend")
    assert fact(found[finding], "status") == str(status)


def test_it_flags_a_preflight_without_cors_headers_while_get_has_them():
    def get_only(request: ReceivedRequest):
        if request.method == "OPTIONS":
            return 200, [("Allow", "GET, OPTIONS")], b""
        return 200, [("Access-Control-Allow-Origin", "*")], b""

    finding = findings(get_only)["cors.preflight-missing-headers"]
    assert finding.severity is Severity.LOW
    assert finding.exchanges == ("cors.get.self", "cors.preflight.self")


def test_a_site_without_cors_is_not_blamed_for_its_preflight():
    found = findings(site(preflight_status=405))
    assert set(found) & PREFLIGHT_IDS == set()


def test_it_flags_the_requested_method_missing_from_allow_methods():
    finding = findings(site(listed(SELF), methods="GET, POST"))["cors.preflight-method-not-allowed"]
    assert finding.severity is Severity.INFO
    assert fact(finding, "access-control-allow-methods") == "GET, POST"


def test_a_lower_case_method_does_not_match_and_it_says_why():
    finding = findings(site(listed(SELF), methods="get, put"))["cors.preflight-method-not-allowed"]
    assert "case-sensitive" in fact(finding, "why")


def test_a_missing_allow_methods_header_does_not_allow_put():
    assert "cors.preflight-method-not-allowed" in findings(site(listed(SELF), methods=None))


def test_a_method_wildcard_allows_put_without_credentials():
    found = findings(site(listed(SELF), methods="*"))
    assert "cors.preflight-method-not-allowed" not in found


def test_methods_split_across_headers_and_padded_with_spaces_still_count():
    found = findings(
        site(
            listed(SELF),
            methods="GET",
            preflight_extra=[("Access-Control-Allow-Methods", " \tPUT ")],
        )
    )
    assert "cors.preflight-method-not-allowed" not in found


def test_it_flags_request_headers_missing_from_allow_headers():
    finding = findings(site(listed(SELF), allow_headers="Content-Type"))[
        "cors.preflight-headers-not-allowed"
    ]
    assert finding.title.endswith("authorization")
    assert finding.glossary == "error-header-not-allowed"


def test_header_names_match_case_insensitively():
    found = findings(site(listed(SELF), allow_headers="Content-Type, Authorization"))
    assert "cors.preflight-headers-not-allowed" not in found


def test_it_explains_that_a_header_wildcard_never_covers_authorization():
    found = findings(site(listed(SELF), allow_headers="*"))

    finding = found["cors.allow-headers-wildcard-authorization"]
    assert finding.glossary == "mistake-allow-headers-wildcard-authorization"
    assert "cors.preflight-headers-not-allowed" not in found  # content-type is covered


def test_a_header_wildcard_with_authorization_named_is_complete():
    found = findings(site(listed(SELF), allow_headers="*, Authorization"))
    assert set(found) & PREFLIGHT_IDS == set()


def test_with_credentials_the_wildcards_are_literal_names():
    found = findings(
        site(
            listed(SELF),
            credentials=True,
            methods="*",
            allow_headers="*",
            extra=[("Access-Control-Expose-Headers", "*")],
        )
    )

    finding = found["cors.wildcard-literal-with-credentials"]
    assert fact(finding, "headers with *") == (
        "access-control-allow-headers, access-control-allow-methods, access-control-expose-headers"
    )
    assert "cors.preflight-method-not-allowed" in found
    assert "content-type" in found["cors.preflight-headers-not-allowed"].title
    assert "cors.allow-headers-wildcard-authorization" not in found


def test_wildcards_without_credentials_are_not_literal():
    found = findings(site(listed(SELF), methods="*", allow_headers="*, authorization"))
    assert "cors.wildcard-literal-with-credentials" not in found


def test_a_site_allowing_everyone_is_judged_on_its_own_origins_preflight():
    found = findings(site(anyone, methods="GET"))
    assert found["cors.preflight-method-not-allowed"].exchanges == ("cors.preflight.self",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7201", "Chromium keeps them (7200 s)"),
        ("86400", "Chromium keeps them (7200 s)"),
        ("31536000", "Firefox keeps them (86400 s)"),
    ],
)
def test_it_notes_a_max_age_beyond_browser_caps(value, expected):
    finding = findings(site(listed(SELF), max_age=value))["cors.max-age-capped"]
    assert finding.severity is Severity.INFO
    assert expected in finding.title


@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "", "0x10"])
def test_it_flags_a_max_age_that_is_not_seconds(value):
    finding = findings(site(listed(SELF), max_age=value))["cors.max-age-invalid"]
    assert finding.severity is Severity.LOW


@pytest.mark.parametrize("value", ["0", "600", "7200", " 5 "])
def test_a_max_age_within_caps_is_fine(value):
    found = findings(site(listed(SELF), max_age=value))
    assert {"cors.max-age-invalid", "cors.max-age-capped"} & set(found) == set()


@pytest.mark.parametrize(
    ("values", "items", "invalid"),
    [
        (["GET, PUT"], ("GET", "PUT"), ()),
        (["GET", " PUT\t,,"], ("GET", "PUT"), ()),
        (["GET PUT"], ("GET PUT",), ("GET PUT",)),
        ([], (), ()),
    ],
)
def test_header_lists_are_split_like_a_browser_does(values, items, invalid):
    parsed = parse_list(values)
    assert parsed.items == items
    assert parsed.invalid == invalid
    assert parsed.present == bool(values)


def test_max_age_parsing_accepts_only_digits():
    assert parse_max_age(" 42 ") == 42
    assert parse_max_age("+42") is None
