from checker.analyze import cross_origin, permissions
from checker.headers.permissions import parse
from checker.model import Severity
from tests.checker.analyzers.build import fact, ids, only, page


def pp(*values, legacy=()):
    headers = [("Permissions-Policy", v) for v in values] + [("Feature-Policy", v) for v in legacy]
    return list(permissions.analyze(page(headers)))


def test_permissions_missing_is_information_only():
    assert only(pp(), "permissions.missing").severity is Severity.INFO


def test_permissions_a_valid_dictionary_passes_and_counts_disabled_features():
    finding = only(
        pp('camera=(), geolocation=(self "https://maps.example"), fullscreen=*'), "permissions.ok"
    )
    assert "3 features" in finding.title and "off 1" in finding.title
    assert fact(finding, "disabled") == ["camera"]


def test_permissions_several_fields_are_one_dictionary():
    finding = only(pp("camera=()", "microphone=()"), "permissions.ok")
    assert fact(finding, "disabled") == ["camera microphone"]


def test_permissions_the_old_feature_policy_syntax_is_malformed():
    finding = only(pp("geolocation 'none'"), "permissions.malformed")
    assert fact(finding, "error")


def test_permissions_unquoted_origins_are_skipped():
    finding = only(pp("camera=(self https://a.example)"), "permissions.invalid-allowlist")
    assert fact(finding, "skipped") == ["camera=https://a.example"]


def test_permissions_only_the_legacy_header_is_flagged():
    assert ids(pp(legacy=["camera 'none'"])) == ["permissions.legacy-feature-policy"]


def test_permissions_an_empty_header_switches_nothing_off():
    assert ids(pp("")) == ["permissions.missing"]


def test_permissions_parser_reads_members():
    policy = parse('a=(self "https://x.example" *), b=()')
    assert policy.features == (("a", ("self", "https://x.example", "*")), ("b", ()))
    assert not parse("a=(").valid
    assert not parse("Ünïcode=()").valid


def co(*headers):
    return list(cross_origin.analyze(page(list(headers))))


def test_cross_origin_all_missing_is_information():
    findings = co()
    assert ids(findings) == [
        "cross-origin.coep-missing",
        "cross-origin.coop-missing",
        "cross-origin.corp-missing",
    ]
    assert {f.severity for f in findings} == {Severity.INFO}


def test_cross_origin_isolation_is_recognised():
    findings = co(
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Embedder-Policy", 'require-corp; report-to="r"'),
        ("Cross-Origin-Resource-Policy", "same-site"),
    )
    assert ids(findings) == [
        "cross-origin.coep-ok",
        "cross-origin.coop-ok",
        "cross-origin.corp-ok",
        "cross-origin.isolated",
    ]
    assert only(findings, "cross-origin.isolated").glossary == "cross-origin-isolation"


def test_cross_origin_popups_allowed_is_valid_but_not_isolated():
    findings = co(
        ("Cross-Origin-Opener-Policy", "same-origin-allow-popups"),
        ("Cross-Origin-Embedder-Policy", "credentialless"),
    )
    assert "cross-origin.isolated" not in ids(findings)
    assert "cross-origin.coop-ok" in ids(findings)


def test_cross_origin_explicit_unsafe_none_counts_as_missing():
    finding = only(co(("Cross-Origin-Opener-Policy", "unsafe-none")), "cross-origin.coop-missing")
    assert "unsafe-none" in finding.title


def test_cross_origin_invalid_values_are_flagged():
    findings = co(
        ("Cross-Origin-Opener-Policy", "same_origin"),
        ("Cross-Origin-Embedder-Policy", '"require-corp"'),
        ("Cross-Origin-Resource-Policy", "Same-Origin"),
    )
    assert ids(findings) == [
        "cross-origin.coep-invalid",
        "cross-origin.coop-invalid",
        "cross-origin.corp-invalid",
    ]


def test_cross_origin_two_header_fields_are_invalid():
    findings = co(
        ("Cross-Origin-Opener-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin")
    )
    assert "cross-origin.coop-invalid" in ids(findings)
