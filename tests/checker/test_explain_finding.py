"""A finding told about the site: sentences with the real values, the software recognised from the
answers, snippets filled with the site's host and the user's frontend origin. Reports built by
hand: no network."""

import re

import pytest

from checker import findings as catalogue
from checker.explain_finding import (
    fixes_for,
    placeholders,
    recognise,
    what_we_saw,
    why_it_matters,
)
from checker.fix_snippets import (
    DEFAULT_ORDER,
    FIXES,
    FRAMEWORKS,
    PLACES,
    SNIPPETS,
    fill,
    template_for,
)
from checker.model import Exchange, Finding, Report, Request, Response, Severity, Status, Target

TARGET = Target("api.shop.test", "https", "api.shop.test", 443, "/v1/me")
EVIL = "https://evil.example"


def exchange(probe, headers=(), method="GET", origin=None, status=200, label=None) -> Exchange:
    sent = (("Origin", origin),) if origin else ()
    return Exchange(
        probe=probe,
        request=Request(method, "https://api.shop.test/v1/me", sent),
        response=Response(status, tuple(headers)),
        origin_label=label,
    )


def report(exchanges, findings=(), profile="api", frontend=None) -> Report:
    return Report(
        target=TARGET,
        status=Status.OK,
        exchanges=tuple(exchanges),
        chain=(exchanges[0].probe,),
        findings=tuple(findings),
        profile=profile,
        frontend_origin=frontend,
    )


def reflected() -> tuple[Report, Finding]:
    headers = (
        ("Access-Control-Allow-Origin", EVIL),
        ("Access-Control-Allow-Credentials", "true"),
    )
    probe = exchange("cors.get.arbitrary", headers, origin=EVIL, label="arbitrary")
    found = catalogue.finding(
        "cors.reflect-origin-credentials",
        exchanges=("cors.get.arbitrary",),
        facts=(
            ("probe", "cors.get.arbitrary"),
            ("origin sent", EVIL),
            ("status", "200"),
            ("access-control-allow-origin", EVIL),
            ("access-control-allow-credentials", "true"),
        ),
    )
    return report([exchange("main.0"), probe], [found]), found


# --- What we saw ------------------------------------------------------------------------------


def test_a_reflected_origin_is_told_with_the_value_the_api_answered():
    scan, found = reflected()
    assert what_we_saw(scan, found) == (
        f"Your API answered `Access-Control-Allow-Origin: {EVIL}` with credentials "
        f"to a GET request from {EVIL}."
    )


def test_a_page_is_your_site_and_a_preflight_says_so():
    headers = (("Access-Control-Allow-Origin", "null"),)
    probe = exchange("cors.preflight.null", headers, method="OPTIONS", origin="null")
    found = catalogue.finding(
        "cors.null-origin",
        exchanges=("cors.preflight.null",),
        facts=(
            ("probe", "cors.preflight.null"),
            ("origin sent", "null"),
            ("status", "200"),
            ("access-control-allow-origin", "null"),
            ("access-control-allow-credentials", "(absent)"),
        ),
    )
    scan = report([exchange("main.0"), probe], [found], profile="page")
    assert what_we_saw(scan, found) == (
        "Your site answered `Access-Control-Allow-Origin: null` to a preflight (OPTIONS) from null."
    )


def test_a_missing_cors_header_and_extra_facts_are_told_too():
    probe = exchange("cors.refused.frontend", origin="https://app.shop.test", status=401)
    found = catalogue.finding(
        "cors.refusal-without-cors",
        exchanges=("cors.refused.frontend",),
        facts=(
            ("probe", "cors.refused.frontend"),
            ("origin sent", "https://app.shop.test"),
            ("status", "401"),
            ("access-control-allow-origin", "(absent)"),
            ("access-control-allow-credentials", "(absent)"),
            ("vary", "(absent)"),
        ),
    )
    sentence = what_we_saw(report([exchange("main.0"), probe], [found]), found)
    assert sentence == (
        "Your API answered a GET request from https://app.shop.test with status 401 and no "
        "`Access-Control-Allow-Origin` header. No `Vary` header came with it."
    )


def test_a_missing_header_names_the_request_and_what_did_come():
    main = exchange("main.0", (("Content-Type", "application/json"),))
    found = catalogue.finding("xcto.missing", exchanges=("main.0",))
    assert what_we_saw(report([main], [found]), found) == (
        "GET https://api.shop.test/v1/me answered 200 with `Content-Type: application/json` "
        "but no `X-Content-Type-Options`."
    )


def test_a_header_that_is_there_is_quoted_with_its_value():
    main = exchange("main.0", (("Server", "nginx/1.25.3"),))
    found = catalogue.finding(
        "disclosure.server-version", exchanges=("main.0",), facts=(("server", "nginx/1.25.3"),)
    )
    assert what_we_saw(report([main], [found]), found) == (
        "GET https://api.shop.test/v1/me answered 200 with `Server: nginx/1.25.3`."
    )


def test_a_long_value_is_cut_between_its_parts_never_inside_a_word():
    policy = "; ".join(f"directive-{n} 'self' https://cdn{n}.shop.test" for n in range(20))
    main = exchange("main.0", (("Content-Security-Policy", policy),))
    found = catalogue.finding("csp.unsafe-inline", exchanges=("main.0",))
    sentence = what_we_saw(report([main], [found]), found)
    shown = re.search(r"`Content-Security-Policy: (.*?)`", sentence).group(1)
    assert shown.endswith(" …") and len(shown) < 200
    assert policy.startswith(shown.removesuffix(" …"))
    assert shown.removesuffix(" …").endswith(".shop.test")


def test_a_plain_http_answer_without_redirect_names_the_url_and_status():
    main = exchange("main.0")
    found = catalogue.finding(
        "redirect.missing",
        exchanges=("main.0",),
        facts=(("url", "http://api.shop.test/"), ("status", "200")),
    )
    assert what_we_saw(report([main], [found]), found) == (
        "http://api.shop.test/ answered 200 over plain HTTP, with no redirect to "
        "https://api.shop.test/."
    )


def test_a_cookie_is_named_with_its_attributes_never_its_value():
    main = exchange("main.0", (("Set-Cookie", "sid=SECRET; Path=/"),))
    found = catalogue.finding(
        "cookie.no-secure",
        exchanges=("main.0",),
        facts=(("cookie", "sid"), ("set-cookie", "sid=(value not kept); Path=/")),
    )
    sentence = what_we_saw(report([main], [found]), found)
    assert sentence == "The answer set the cookie `sid` with `Path=/`."
    assert "SECRET" not in sentence


def test_without_facts_or_evidence_the_title_is_the_sentence():
    found = catalogue.finding("https.http-not-checked")
    assert what_we_saw(report([exchange("main.0")], [found]), found) == (
        "The way from plain HTTP to HTTPS was not checked."
    )


def test_why_it_matters_is_the_catalogue_rows_sentence_for_every_row():
    for row in catalogue.ROWS:
        why = why_it_matters(catalogue.finding(row.id))
        assert why == row.meaning
        assert why.endswith(".") and len(why) > 20, row.id
        assert why != row.title


# --- Which software answered ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("Server", "nginx/1.25.3"),), ["nginx"]),
        ((("Server", "openresty"),), ["nginx"]),
        ((("Server", "Apache/2.4.57 (Debian)"),), ["apache"]),
        ((("Server", "Apache-Coyote/1.1"),), []),
        ((("X-Powered-By", "Express"),), ["express"]),
        ((("Set-Cookie", "csrftoken=abc; Path=/"),), ["django"]),
        ((("X-Runtime", "0.012"), ("Set-Cookie", "_shop_session=x; path=/")), ["rails"]),
        ((("X-Application-Context", "application:8080"),), ["spring"]),
        ((("X-Powered-By", "ASP.NET"), ("Server", "Microsoft-IIS/10.0")), ["aspnet", "iis"]),
        ((("Server", "Kestrel"),), ["aspnet"]),
        ((("X-Powered-By", "PHP/8.2.1"),), ["php"]),
        ((("Server", "Caddy"),), ["caddy"]),
        ((("Server", "cloudflare"), ("CF-RAY", "8a1b-AMS")), ["cloudflare"]),
        ((("Server", "Netlify"), ("X-NF-Request-Id", "01H")), ["netlify"]),
        ((("Server", "Vercel"), ("X-Vercel-Id", "fra1::abc")), ["vercel"]),
        ((("X-Powered-By", "Express"), ("Server", "nginx")), ["express", "nginx"]),
        ((("Server", "BaseHTTP/0.6 Python/3.11.7"),), []),
    ],
)
def test_the_software_is_recognised_from_the_answers_headers(headers, expected):
    assert [r.key for r in recognise([exchange("main.0", headers)])] == expected


def test_recognition_says_which_header_gave_it_away_without_a_cookie_value():
    found = recognise([exchange("main.0", (("Set-Cookie", "csrftoken=SECRET; Path=/"),))])
    assert found[0].because == "Set-Cookie: csrftoken=…"
    assert found[0].label == "Django"
    server = recognise([exchange("main.0", (("server", "nginx/1.25.3"),))])
    assert server[0].because == "server: nginx/1.25.3"


def test_an_exchange_without_an_answer_names_nothing():
    failed = Exchange("main.0", Request("GET", "https://api.shop.test/"), None, error="timeout")
    assert recognise([failed]) == ()


# --- How to fix it here ------------------------------------------------------------------------


def test_the_recognised_servers_snippet_comes_first_filled_for_this_site():
    scan, found = reflected()
    scan = report(list(scan.exchanges), [found], frontend="https://app.shop.test")
    snippets = fixes_for(scan, found, recognise([exchange("main.0", (("Server", "nginx"),))]))
    first = snippets[0]
    assert (first.framework, first.recognised, first.because) == ("nginx", True, "Server: nginx")
    assert '"https://app.shop.test" $http_origin' in first.code
    assert "server_name api.shop.test;" in first.code
    assert not any(s.recognised for s in snippets[1:])
    assert [s.framework for s in snippets[1:]] == [k for k in DEFAULT_ORDER if k != "nginx"]
    for snippet in snippets:
        assert "example.com" not in snippet.code
        assert "{" + "origin}" not in snippet.code and "{" + "host}" not in snippet.code


def test_without_a_frontend_origin_a_stand_in_is_built_from_the_host():
    scan, found = reflected()
    values, stand_in = placeholders(scan, found)
    assert stand_in is True
    assert values["origin"] == "https://app.api.shop.test"
    apache = next(s for s in fixes_for(scan, found, ()) if s.framework == "apache")
    # A regular expression with its dots escaped: not the unescaped-dot mistake we report.
    assert r'SetEnvIf Origin "^https://app\.api\.shop\.test$"' in apache.code


def test_an_address_gets_a_stand_in_that_can_never_resolve():
    scan = Report(target=Target("127.0.0.1", "http", "127.0.0.1", 8080, "/"), status=Status.OK)
    values, _ = placeholders(scan, catalogue.finding("cors.reflect-origin"))
    assert values["origin"] == "https://your-frontend.invalid"


def test_a_header_fix_names_the_header_and_value_and_frameworks_own_settings_win():
    found = catalogue.finding("hsts.missing")
    scan = report([exchange("main.0")], [found])
    by_key = {s.framework: s.code for s in fixes_for(scan, found, ())}
    assert by_key["nginx"].startswith(
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
    )
    assert (
        by_key["django"] == "SECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True"
    )
    assert by_key["caddy"].startswith("api.shop.test {")


def test_a_cookie_fix_names_the_cookie():
    found = catalogue.finding("cookie.no-secure", facts=(("cookie", "sid"),))
    scan = report([exchange("main.0")], [found])
    nginx = next(s for s in fixes_for(scan, found, ()) if s.framework == "nginx")
    assert nginx.code == "proxy_cookie_flags sid secure httponly samesite=lax;"


def test_a_passed_check_has_no_fix():
    found = catalogue.finding("xcto.nosniff")
    assert found.severity == Severity.PASS
    assert fixes_for(report([exchange("main.0")], [found]), found, ()) == ()


def test_every_fix_names_a_row_of_the_catalogue_and_a_kind_with_snippets():
    for finding_id, fix in FIXES.items():
        row = catalogue.row_for(finding_id)  # raises for an id with no row
        assert row.severity != Severity.PASS, finding_id
        assert fix.kind in SNIPPETS, finding_id
        if fix.kind in ("set-header", "remove-header"):
            assert fix.header, finding_id
        assert any(template_for(fix, key) for key in FRAMEWORKS), finding_id


def test_every_framework_has_a_place_and_snippets_use_only_known_placeholders():
    assert set(PLACES) == set(FRAMEWORKS) == set(DEFAULT_ORDER)
    assert len(DEFAULT_ORDER) == len(FRAMEWORKS)
    for kind, by_framework in SNIPPETS.items():
        assert set(by_framework) <= set(FRAMEWORKS), kind
        for template in by_framework.values():
            filled = fill(
                template,
                {
                    "host": "h",
                    "site": "s",
                    "origin": "o",
                    "origin_pattern": "p",
                    "name": "n",
                    "value": "v",
                    "cookie": "c",
                },
            )
            for token in ("{host}", "{site}", "{origin}", "{name}", "{value}", "{cookie}"):
                assert token not in filled


def test_fill_leaves_other_braces_alone():
    assert fill('{ "key": "{name}" } {HTTPS}', {"name": "Vary"}) == '{ "key": "Vary" } {HTTPS}'


def test_a_version_in_server_is_fixed_where_server_is_set_not_with_x_powered_by():
    main = exchange("main.0", (("Server", "nginx/1.25.3"),))
    found = catalogue.finding("disclosure.server-version", exchanges=("main.0",))
    snippets = fixes_for(report([main], [found]), found, recognise([main]))
    assert snippets[0].code == "server_tokens off;"
    assert not any("x-powered-by" in s.code.lower() for s in snippets)


def test_other_trusted_origins_are_named_whole_a_few_at_most():
    scan, found = reflected()
    cut = (
        "15: null, http://api.shop.test.evil.test, https://corscheckevil.github.io, http://localh…"
    )
    found = catalogue.finding(
        found.id,
        exchanges=found.exchanges,
        facts=found.facts + (("other hostile origins trusted", cut),),
    )
    sentence = what_we_saw(scan, found)
    assert sentence.endswith(
        "It trusted 15 other hostile origins too, among them null, "
        "http://api.shop.test.evil.test and https://corscheckevil.github.io."
    )
    assert "localh" not in sentence
    two = catalogue.finding(
        found.id,
        exchanges=found.exchanges,
        facts=(*found.facts[:5], ("other hostile origins trusted", "2: null, http://x.test")),
    )
    assert what_we_saw(scan, two).endswith(
        "It trusted 2 other hostile origins too, null and http://x.test."
    )


def test_a_backtick_in_a_sites_value_cannot_shift_the_code_spans():
    main = exchange("main.0", (("Server", "evil`</code><b>x"),))
    found = catalogue.finding("disclosure.server-version", exchanges=("main.0",))
    sentence = what_we_saw(report([main], [found]), found)
    assert sentence.count("`") == 2
    assert "`Server: evil\u02cb</code><b>x`" in sentence


def test_the_json_of_a_report_gets_each_findings_sentence_and_other_json_is_left_alone():
    from checker.explain_finding import what_we_saw, with_observations

    found_report, found = reflected()

    said = with_observations(found_report, found_report.to_dict())

    [item] = said["findings"]
    assert item["observed"] == what_we_saw(found_report, found)
    assert EVIL in item["observed"] and "with credentials" in item["observed"]
    assert with_observations(found_report, {"findings": []}) == {"findings": []}
