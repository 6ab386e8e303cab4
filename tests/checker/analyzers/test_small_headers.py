"""X-Content-Type-Options, Referrer-Policy, disclosure and deprecated headers."""

from checker.analyze import deprecated, disclosure, referrer, xcto
from checker.model import Severity
from tests.checker.analyzers.build import fact, ids, only, page


def test_xcto_missing_uses_the_contract_id():
    finding = only(xcto.analyze(page()), "xcto.missing")
    assert finding.severity is Severity.LOW


def test_xcto_nosniff_passes_in_any_case_and_with_repeats():
    for headers in (
        [("X-Content-Type-Options", "NoSniff")],
        [("x-content-type-options", "nosniff, nosniff")],
    ):
        assert ids(xcto.analyze(page(headers))) == ["xcto.nosniff"]


def test_xcto_other_values_are_invalid():
    for value in ("sniff", "nosniff; mode=block", ""):
        finding = only(xcto.analyze(page([("X-Content-Type-Options", value)])), "xcto.invalid")
        assert fact(finding, "x-content-type-options") == [value]


def policy(*values):
    return list(referrer.analyze(page([("Referrer-Policy", v) for v in values])))


def test_referrer_missing_is_information_only():
    assert only(referrer.analyze(page()), "referrer.missing").severity is Severity.INFO


def test_referrer_unsafe_url_is_flagged():
    finding = only(policy("unsafe-url"), "referrer.unsafe")
    assert fact(finding, "effective") == ["unsafe-url"]


def test_referrer_no_referrer_when_downgrade_is_flagged():
    assert ids(policy("no-referrer-when-downgrade")) == ["referrer.unsafe"]


def test_referrer_the_last_known_token_wins():
    assert ids(policy("unsafe-url, strict-origin-when-cross-origin")) == ["referrer.ok"]
    assert ids(policy("no-referrer", "unsafe-url")) == ["referrer.unsafe"]


def test_referrer_unknown_tokens_are_skipped_and_noted():
    findings = policy("strict-origin, super-private")
    assert ids(findings) == ["referrer.ok", "referrer.unknown-token"]
    assert fact(only(findings, "referrer.ok"), "effective") == ["strict-origin"]


def test_referrer_with_no_known_token_is_invalid():
    finding = only(policy("never"), "referrer.invalid")
    assert fact(finding, "unknown") == ["never"]


def test_disclosure_flags_version_numbers_only():
    findings = list(
        disclosure.analyze(page([("Server", "nginx/1.25.3"), ("X-Powered-By", "Express")]))
    )
    assert ids(findings) == ["disclosure.server-version"]
    assert fact(findings[0], "server") == ["nginx/1.25.3"]


def test_disclosure_recognises_common_version_shapes():
    for value in ("Apache/2.4.41 (Ubuntu)", "Microsoft-IIS/10.0", "PHP/8", "Jetty(9.4.z-SNAPSHOT)"):
        assert disclosure.has_version(value), value
    for value in ("cloudflare", "ECS (dcb/7F84)", "AmazonS3", "gws"):
        assert not disclosure.has_version(value), value


def test_disclosure_flags_asp_net_version_headers_once():
    findings = list(
        disclosure.analyze(
            page(
                [
                    ("X-AspNet-Version", "4.0.30319"),
                    ("X-AspNetMvc-Version", "5.2"),
                    ("X-Powered-By", "PHP/8.2.1"),
                ]
            )
        )
    )
    assert ids(findings) == ["disclosure.aspnet-version", "disclosure.powered-by-version"]
    assert len(only(findings, "disclosure.aspnet-version").facts) == 2


def test_deprecated_x_xss_protection_is_flagged_unless_zero():
    assert ids(deprecated.analyze(page([("X-XSS-Protection", "1; mode=block")]))) == [
        "deprecated.x-xss-protection"
    ]
    assert ids(deprecated.analyze(page([("X-XSS-Protection", "0")]))) == []


def test_deprecated_expect_ct_and_key_pinning_are_noted():
    headers = [
        ("Expect-CT", "max-age=86400, enforce"),
        ("Public-Key-Pins-Report-Only", 'pin-sha256="x"; max-age=1'),
    ]
    findings = list(deprecated.analyze(page(headers)))
    assert ids(findings) == ["deprecated.expect-ct", "deprecated.public-key-pins"]
    assert "Public-Key-Pins-Report-Only" in only(findings, "deprecated.public-key-pins").title
