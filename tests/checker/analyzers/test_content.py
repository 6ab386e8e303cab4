"""Content-Type and Cache-Control on the final answer (the API profile's OWASP checks)."""

from checker.analyze import content
from checker.model import Severity
from tests.checker.analyzers.build import fact, ids, only, page


def run(headers=(), body="{}", status=200):
    return list(content.analyze(page(headers, body=body, status=status)))


def test_a_body_without_a_content_type_is_flagged():
    finding = only(run(), "content-type.missing")
    assert finding.severity is Severity.LOW
    assert finding.glossary == "x-content-type-options"


def test_an_empty_answer_or_a_no_content_status_needs_no_content_type():
    assert run(body="") == []
    assert run(status=204) == []
    assert run([("Content-Type", "application/json")]) == []


def test_an_answer_that_sets_a_cookie_without_no_store_may_be_cached():
    found = run([("Content-Type", "application/json"), ("Set-Cookie", "sid=1; Secure")])
    finding = only(found, "cache.no-store-missing")
    assert fact(finding, "why") == ["sets cookies"]
    assert fact(finding, "cache-control") == ["(absent)"]


def test_private_is_not_enough_only_no_store_keeps_a_credentialed_answer_out_of_caches():
    headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Credentials", "true")]
    assert ids(run(headers + [("Cache-Control", "private, max-age=60")])) == [
        "cache.no-store-missing"
    ]
    passed = only(run(headers + [("Cache-Control", "private, NO-STORE")]), "cache.no-store")
    assert passed.severity is Severity.PASS
    assert fact(passed, "why") == ["allows credentialed cross-origin reads"]


def test_an_answer_without_cookies_or_credentials_has_no_caching_finding():
    assert run([("Content-Type", "application/json")]) == []
