from checker.analyze import hsts
from checker.headers.hsts import parse
from checker.model import Severity
from tests.checker.analyzers.build import chain, exchange, fact, ids, only, page, redirect

YEAR = "max-age=31536000"


def run(value=None, *, url="https://example.com/", extra=()):
    headers = [("Strict-Transport-Security", value)] if value is not None else []
    return list(hsts.analyze(page([*headers, *extra], url=url)))


def test_it_reports_missing_hsts_on_https_with_the_contract_id():
    finding = only(run(), "hsts.missing")
    assert finding.severity is Severity.HIGH
    assert finding.exchanges == ("main.0",)


def test_it_reports_missing_hsts_when_the_final_page_is_plain_http():
    assert ids(run(url="http://example.com/")) == ["hsts.missing"]


def test_it_says_hsts_sent_over_plain_http_is_ignored():
    findings = run(YEAR, url="http://example.com/")
    assert ids(findings) == ["hsts.ignored-over-http", "hsts.missing"]
    assert fact(only(findings, "hsts.ignored-over-http"), "strict-transport-security") == [YEAR]


def test_it_flags_a_max_age_under_six_months_with_the_value():
    finding = only(run("max-age=300"), "hsts.short-max-age")
    assert finding.severity is Severity.MEDIUM
    assert fact(finding, "max-age") == ["300"]
    assert "300 seconds" in finding.title


def test_it_passes_six_months_without_asking_for_more():
    findings = run("max-age=15768000; includeSubDomains")
    assert ids(findings) == ["hsts.ok"]
    assert "182 days" in findings[0].title


def test_it_passes_a_year_and_notes_missing_subdomains():
    assert ids(run(YEAR)) == ["hsts.no-include-subdomains", "hsts.ok"]


def test_it_treats_max_age_zero_as_switching_hsts_off():
    assert ids(run("max-age=0")) == ["hsts.disabled"]


def test_it_recognises_a_preload_ready_policy():
    findings = run(f"{YEAR}; includeSubDomains; preload")
    assert ids(findings) == ["hsts.ok", "hsts.preload-ready"]
    assert only(findings, "hsts.preload-ready").glossary == "hsts-preload"


def test_it_says_why_a_preload_request_would_be_refused():
    finding = only(run("max-age=15768000; preload"), "hsts.preload-not-eligible")
    assert fact(finding, "unmet") == [
        "max-age is 182 days, not at least one year",
        "includeSubDomains is missing",
    ]


def test_it_uses_the_bundled_preload_list_for_the_final_host():
    # Every .dev name is on Chromium's list through its top-level domain.
    findings = run(f"{YEAR}; includeSubDomains", url="https://example.dev/")
    assert "hsts.preloaded" in ids(findings)
    assert "hsts.preloaded" not in ids(run(f"{YEAR}; includeSubDomains"))


def test_a_preloaded_host_without_the_header_is_not_reported_as_missing():
    assert ids(run(url="https://example.dev/")) == ["hsts.missing-but-preloaded", "hsts.preloaded"]


def test_it_reports_a_malformed_header_as_ignored():
    finding = only(run("max-age=abc"), "hsts.malformed")
    assert finding.severity is Severity.HIGH
    assert "not a whole number" in finding.title


def test_it_reports_a_duplicated_directive_as_malformed():
    finding = only(run("max-age=31536000; max-age=300"), "hsts.malformed")
    assert fact(finding, "problem") == ["max-age appears 2 times"]


def test_it_judges_only_the_first_of_two_header_fields():
    findings = list(
        hsts.analyze(
            page(
                [
                    ("Strict-Transport-Security", "max-age=300"),
                    ("Strict-Transport-Security", YEAR),
                ]
            )
        )
    )
    assert ids(findings) == [
        "hsts.duplicate-header",
        "hsts.no-include-subdomains",
        "hsts.short-max-age",
    ]


def test_it_points_out_a_directive_browsers_do_not_know():
    finding = only(run(f"{YEAR}; includeSubDomain"), "hsts.unknown-directive")
    assert fact(finding, "unknown-directive") == ["includesubdomain"]


def test_it_judges_the_final_page_of_a_redirect_chain():
    observation = chain(
        redirect("http://example.com/", "https://example.com/", probe="main.0"),
        exchange("https://example.com/", [("Strict-Transport-Security", YEAR)], probe="main.1"),
    )
    finding = only(hsts.analyze(observation), "hsts.ok")
    assert finding.exchanges == ("main.1",)


def test_the_parser_reads_quoted_values_and_case_insensitive_names():
    header = parse('Max-Age="31536000" ; INCLUDESUBDOMAINS;;preload')
    assert (header.max_age, header.include_subdomains, header.preload) == (31536000, True, True)
    assert header.valid


def test_the_parser_rejects_what_browsers_reject():
    assert parse("includeSubDomains").problems == ("max-age is missing",)
    assert not parse("max-age=1; includeSubDomains=yes").valid
    assert not parse('max-age="1').valid
    assert not parse("max-age=-1").valid
    assert not parse("max-age=١٢").valid  # digits outside ASCII do not count


def test_the_parser_survives_an_enormous_max_age():
    header = parse("max-age=" + "9" * 10_000)
    assert header.valid and header.max_age >= 10**18
