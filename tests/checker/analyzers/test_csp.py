from dataclasses import replace

from checker.analyze import csp
from checker.headers.csp import SourceKind, classify, parse_header, parse_policy
from checker.headers.meta import http_equiv
from checker.model import Exchange, Request, Severity
from tests.checker.analyzers.build import exchange, fact, ids, only, page

STRICT = (
    "script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'"
)
META = "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"


def run(*policies, report_only=(), body=""):
    headers = [("Content-Security-Policy", p) for p in policies]
    headers += [("Content-Security-Policy-Report-Only", p) for p in report_only]
    return list(csp.analyze(page(headers, body=body)))


def html(meta):
    tag = f"<meta http-equiv='Content-Security-Policy' content=\"{meta}\">"
    return f"<!doctype html><html><head>{tag}</head><body>x</body></html>"


def test_it_reports_a_missing_policy():
    finding = only(run(), "csp.missing")
    assert finding.severity is Severity.MEDIUM
    assert finding.exchanges == ("main.0",)


def test_it_reports_a_report_only_policy_without_an_enforced_one():
    assert ids(run(report_only=["default-src 'self'"])) == ["csp.report-only"]


def test_a_report_only_policy_next_to_an_enforced_one_is_fine():
    assert "csp.report-only" not in ids(run(STRICT, report_only=["default-src 'none'"]))


def test_it_recognises_a_strict_nonce_policy_with_strict_dynamic():
    findings = run(STRICT)
    assert ids(findings) == ["csp.strict"]
    assert only(findings, "csp.strict").severity is Severity.PASS


def test_unsafe_inline_next_to_a_nonce_is_not_a_hole():
    findings = run(
        "script-src 'self' 'nonce-abc' 'unsafe-inline'; object-src 'none'; base-uri 'self'"
    )
    assert "csp.unsafe-inline" not in ids(findings)


def test_it_flags_unsafe_inline_without_nonce_or_hash():
    findings = run("default-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'")
    finding = only(findings, "csp.unsafe-inline")
    assert finding.severity is Severity.HIGH
    assert finding.glossary == "mistake-csp-unsafe-inline"
    assert fact(finding, "directive") == ["default-src 'self' 'unsafe-inline'"]
    assert "csp.restricts-scripts" not in ids(findings)


def test_it_flags_unsafe_eval_even_with_a_nonce():
    findings = run("script-src 'nonce-abc' 'unsafe-eval'; object-src 'none'; base-uri 'none'")
    assert ids(findings) == ["csp.unsafe-eval"]


def test_it_flags_broad_script_sources_falling_back_to_default_src():
    for source in ("*", "https:", "http:", "data:", "https://*"):
        finding = only(
            run(f"default-src 'self' {source}; base-uri 'self'"), "csp.script-broad-source"
        )
        assert fact(finding, "source") == [source]


def test_script_src_overrides_a_broad_default_src():
    findings = run("default-src *; script-src 'self'; object-src 'none'; base-uri 'self'")
    assert ids(findings) == ["csp.restricts-scripts"]


def test_strict_dynamic_makes_browsers_ignore_broad_sources():
    assert "csp.script-broad-source" not in ids(
        run("script-src 'nonce-a' 'strict-dynamic' https: *")
    )


def test_it_flags_a_policy_that_does_not_control_scripts():
    findings = run("frame-ancestors 'none'")
    assert "csp.script-unrestricted" in ids(findings)


def test_one_strict_policy_among_several_restricts_scripts():
    findings = run("script-src *", STRICT)
    assert "csp.script-broad-source" not in ids(findings)
    assert "csp.strict" in ids(findings)


def test_comma_separated_policies_are_separate_policies():
    policies = parse_header("script-src *, script-src 'self'")
    assert [p.get("script-src").sources for p in policies] == [("*",), ("'self'",)]


def test_it_flags_missing_object_src_and_base_uri():
    findings = run("script-src 'self'")
    assert ids(findings) == [
        "csp.base-uri-missing",
        "csp.object-src-missing",
        "csp.restricts-scripts",
    ]


def test_it_flags_broad_object_sources():
    assert "csp.object-broad-source" in ids(
        run("script-src 'self'; object-src data:; base-uri 'self'")
    )


def test_the_first_of_duplicated_directives_counts_and_the_duplicate_is_flagged():
    findings = run("script-src 'self'; script-src *; object-src 'none'; base-uri 'self'")
    assert ids(findings) == ["csp.duplicate-directive", "csp.restricts-scripts"]
    assert fact(only(findings, "csp.duplicate-directive"), "duplicate") == ["script-src"]


def test_directive_names_are_case_insensitive():
    policy = parse_policy("SCRIPT-SRC 'self'")
    assert policy.get("script-src") is not None


def test_it_flags_keywords_written_without_quotes():
    finding = only(run("default-src self; base-uri 'self'"), "csp.unquoted-keyword")
    assert "self" in finding.title


def test_it_flags_unknown_directives_and_unreadable_sources():
    findings = run("script-scr 'self'; default-src 'unsafe_inline'")
    assert {"csp.unknown-directive", "csp.malformed"} <= set(ids(findings))
    assert fact(only(findings, "csp.unknown-directive"), "unknown-directive") == ["script-scr"]


def test_it_flags_non_ascii_in_a_policy_as_malformed():
    assert "csp.malformed" in ids(run("script-src 'self' https://exämple.com"))


def test_it_reads_a_policy_from_a_meta_tag_in_the_head():
    findings = run(body=html("script-src 'nonce-x'; object-src 'none'; base-uri 'none'"))
    assert ids(findings) == ["csp.meta", "csp.strict"]


def test_it_ignores_a_meta_tag_outside_the_head():
    body = f"<html><head></head><body>{META}</body></html>"
    assert ids(run(body=body)) == ["csp.missing"]


def test_it_ignores_a_meta_tag_after_body_content_when_head_is_not_closed():
    body = f"<head><title>t</title><p>hello</p>{META}"
    assert ids(run(body=body)) == ["csp.missing"]


def test_it_says_frame_ancestors_does_nothing_in_a_meta_tag():
    findings = run(body=html("default-src 'self'; frame-ancestors 'none'; base-uri 'self'"))
    finding = only(findings, "csp.meta-ignored-directive")
    assert fact(finding, "ignored") == ["frame-ancestors"]


def test_the_meta_reader_survives_broken_html():
    assert http_equiv("<![if <meta <<<>>> &#xffffffff; <!--", "content-security-policy") == []
    assert http_equiv(
        "<meta http-equiv=CONTENT-security-policy content=x>", "Content-Security-Policy"
    ) == ["x"]


def test_source_classification():
    assert classify("'NONCE-abc='") is SourceKind.NONCE
    assert classify("'sha256-abc'") is SourceKind.HASH
    assert classify("*.example.com:443/path") is SourceKind.HOST
    assert classify("blob:") is SourceKind.SCHEME
    assert classify("'bogus'") is SourceKind.INVALID
    assert classify("unsafe-inline") is SourceKind.UNQUOTED_KEYWORD


# --- Nonces compared across two responses, script-src-elem/-attr, strict-dynamic, http: ---


def twice(first: str, second: str, *, body="", again_body=""):
    """The page and the same page fetched again, each with its own policy."""
    observation = page([("Content-Security-Policy", first)], body=body)
    again = exchange(
        observation.final_url,
        [("Content-Security-Policy", second)],
        body=again_body,
        probe="page.again",
    )
    return list(csp.analyze(replace(observation, refetch=again)))


def test_a_nonce_that_comes_back_the_same_is_no_better_than_unsafe_inline():
    findings = twice(STRICT, STRICT)
    finding = only(findings, "csp.nonce-reused")
    assert finding.severity is Severity.HIGH
    assert finding.exchanges == ("main.0", "page.again")
    assert fact(finding, "nonce") == ["r4nd0m"]
    assert "csp.strict" not in ids(findings)
    assert "csp.restricts-scripts" not in ids(findings)


def test_a_nonce_that_changes_keeps_the_policy_strict():
    findings = twice(STRICT, STRICT.replace("r4nd0m", "0th3r"))
    assert ids(findings) == ["csp.nonce-changes", "csp.strict"]
    assert only(findings, "csp.nonce-changes").severity is Severity.PASS


def test_a_nonce_in_a_meta_policy_is_compared_from_both_bodies():
    meta = html("script-src 'nonce-fixed'; object-src 'none'; base-uri 'none'")
    observation = page(body=meta)
    again = exchange(observation.final_url, body=meta, probe="page.again")
    findings = csp.analyze(replace(observation, refetch=again))
    assert "csp.nonce-reused" in ids(findings)


def test_a_second_fetch_that_failed_says_nothing_about_the_nonce():
    observation = page([("Content-Security-Policy", STRICT)])
    failed = Exchange("page.again", Request("GET", observation.final_url), error="refused")
    assert ids(csp.analyze(replace(observation, refetch=failed))) == ["csp.strict"]


def test_strict_dynamic_without_a_nonce_or_hash_is_flagged():
    findings = run("script-src 'strict-dynamic' https://cdn.example; object-src 'none'")
    finding = only(findings, "csp.strict-dynamic-without-nonce")
    assert finding.severity is Severity.LOW
    assert fact(finding, "directive") == ["script-src 'strict-dynamic' https://cdn.example"]
    with_hash = run("script-src 'strict-dynamic' 'sha256-abc='; object-src 'none'")
    assert "csp.strict-dynamic-without-nonce" not in ids(with_hash)


def test_it_flags_http_sources_for_scripts():
    findings = run("script-src 'self' http://cdn.example; object-src 'none'; base-uri 'self'")
    finding = only(findings, "csp.insecure-source")
    assert finding.severity is Severity.MEDIUM
    assert fact(finding, "source") == ["script-src http://cdn.example"]
    encrypted = run("default-src 'self' wss://live.example https://cdn.example; base-uri 'self'")
    assert "csp.insecure-source" not in ids(encrypted)
    # With 'strict-dynamic', browsers ignore a script directive's host and scheme sources.
    dynamic = run("script-src 'nonce-a' 'strict-dynamic' http:; object-src 'none'")
    assert "csp.insecure-source" not in ids(dynamic)


def test_it_flags_the_http_scheme_and_ws_in_object_and_default_src():
    findings = run("default-src 'self' ws:; script-src 'self'; object-src http:; base-uri 'self'")
    finding = only(findings, "csp.insecure-source")
    assert fact(finding, "source") == ["object-src http:", "default-src ws:"]


def test_script_src_elem_that_allows_unsafe_inline_overrides_a_strict_script_src():
    findings = run(STRICT + "; script-src-elem 'self' 'unsafe-inline'")
    finding = only(findings, "csp.unsafe-inline")
    assert finding.title.startswith("script-src-elem allows 'unsafe-inline'")
    assert "csp.strict" not in ids(findings)


def test_script_src_attr_that_allows_unsafe_inline_lets_event_handlers_run():
    findings = run(STRICT + "; script-src-attr 'unsafe-inline'")
    finding = only(findings, "csp.unsafe-inline")
    assert "event-handler" in finding.title
    assert fact(finding, "directive") == ["script-src-attr 'unsafe-inline'"]
    assert "csp.strict" not in ids(findings)


def test_strict_elem_and_attr_directives_override_a_loose_script_src():
    findings = run(
        "script-src 'self' 'unsafe-inline'; script-src-elem 'nonce-a' 'strict-dynamic'; "
        "script-src-attr 'none'; object-src 'none'; base-uri 'none'"
    )
    assert ids(findings) == ["csp.strict"]


def test_broad_sources_are_judged_on_script_src_elem():
    findings = run("script-src 'self'; script-src-elem *; object-src 'none'; base-uri 'self'")
    finding = only(findings, "csp.script-broad-source")
    assert finding.title.startswith("script-src-elem allows *")
