"""Which origins a site trusts: hostile classes, wildcard, no CORS, the frontend, the all-clear."""

from __future__ import annotations

from dataclasses import replace

from checker.analyze import cors
from checker.model import Severity
from tests.checker.analyzers.cors_observations import findings, observe
from tests.checker.cors_sites import (
    FRONTEND,
    HOST,
    SELF,
    anyone,
    contains,
    either,
    ends_with,
    host_is,
    listed,
    regex,
    site,
    starts_with,
)
from tests.targets import ReceivedRequest

HOSTILE_IDS = {
    "cors.reflect-origin",
    "cors.null-origin",
    "cors.substring-match",
    "cors.prefix-match",
    "cors.suffix-match",
    "cors.unescaped-dot",
    "cors.special-characters",
    "cors.any-subdomain",
    "cors.http-origin",
    "cors.shared-hosting-origin",
    "cors.development-origin",
}

# `/^https:\/\/[a-z0-9-]+\.github\.io$/`: meant for the team's GitHub Pages, open to everyone's
GITHUB_PAGES = regex(r"^https://[a-z0-9-]+\.github\.io$")


def hostile(found: dict) -> set[str]:
    return {i.removesuffix("-credentials") for i in found} & HOSTILE_IDS


def fact(finding, name: str) -> str:
    return dict(finding.facts)[name]


def test_it_flags_reflected_origin_with_credentials_as_critical():
    found = findings(site(anyone, credentials=True))

    finding = found["cors.reflect-origin-credentials"]
    assert finding.severity is Severity.CRITICAL
    assert finding.glossary == "mistake-reflected-origin-with-credentials"
    assert finding.exchanges == (
        "cors.get.arbitrary",
        "cors.preflight.arbitrary",
        "cors.private-network.arbitrary",
    )
    assert fact(finding, "origin sent") == "https://evil.example"
    assert fact(finding, "access-control-allow-origin") == "https://evil.example"
    assert fact(finding, "access-control-allow-credentials") == "true"
    assert fact(finding, "status") == "200"


def test_a_site_that_trusts_everything_gets_one_finding_naming_the_other_classes():
    found = findings(site(anyone, credentials=True))

    assert hostile(found) == {"cors.reflect-origin"}
    others = fact(found["cors.reflect-origin-credentials"], "other hostile origins trusted")
    assert others.startswith("38: null, ")
    assert "https://evilshop.example" in others


def test_it_flags_reflected_origin_without_credentials_as_medium():
    found = findings(site(anyone))

    assert found["cors.reflect-origin"].severity is Severity.MEDIUM
    assert "cors.reflect-origin-credentials" not in found


def test_an_allowlist_of_own_origins_trusts_no_hostile_class_and_passes():
    found = findings(site(listed(SELF, FRONTEND), credentials=True), frontend=FRONTEND)

    assert hostile(found) == set()
    assert "cors.wildcard" not in found and "cors.none" not in found
    passed = found["cors.origin-allowlist-ok"]
    assert passed.severity is Severity.PASS
    assert fact(passed, "origins allowed") == "https://api.shop.example, https://app.shop.example"
    assert fact(passed, "hostile origins") == "39"
    assert "cors.get.frontend" in passed.exchanges


def test_a_fixed_allowed_origin_passes_too():
    def fixed(request: ReceivedRequest):
        return 200, [("Access-Control-Allow-Origin", FRONTEND), ("Vary", "Origin")], b""

    found = findings(fixed)
    assert set(found) == {"cors.origin-allowlist-ok"}


def test_it_flags_a_trusted_null_origin():
    found = findings(site(listed(SELF, "null")))
    finding = found["cors.null-origin"]

    assert finding.severity is Severity.MEDIUM
    assert finding.glossary == "mistake-null-origin-trusted"
    assert finding.exchanges == ("cors.get.null", "cors.preflight.null")
    assert "cors.origin-allowlist-ok" not in found


def test_a_trusted_null_origin_with_credentials_is_critical():
    found = findings(site(listed("null"), credentials=True))
    assert found["cors.null-origin-credentials"].severity is Severity.CRITICAL


def test_it_flags_a_prefix_check():
    found = findings(site(starts_with(SELF), credentials=True))

    assert hostile(found) == {"cors.prefix-match"}
    finding = found["cors.prefix-match-credentials"]
    assert finding.severity is Severity.CRITICAL
    assert fact(finding, "origin sent") == "https://api.shop.example.evil.test"


def test_it_flags_a_suffix_check_and_folds_the_look_alikes_it_explains():
    found = findings(site(ends_with("shop.example")))

    assert hostile(found) == {"cors.suffix-match"}
    finding = found["cors.suffix-match"]
    assert finding.severity is Severity.MEDIUM
    assert finding.glossary == "mistake-origin-suffix-match"
    assert fact(finding, "other hostile origins trusted") == (
        "4: https://apixshop.example, https://x.api.shop.example, https://x.shop.example, "
        "http://api.shop.example"
    )


def test_it_flags_a_substring_check_as_the_one_mistake_behind_many_look_alikes():
    found = findings(site(contains("shop.example"), credentials=True))

    assert hostile(found) == {"cors.substring-match"}
    finding = found["cors.substring-match-credentials"]
    assert finding.severity is Severity.CRITICAL
    assert fact(finding, "origin sent") == "https://shop.example.evil.test"


def test_it_flags_an_unescaped_dot_in_an_origin_regex():
    found = findings(site(regex(r"^https://api.shop.example$")))

    assert hostile(found) == {"cors.unescaped-dot"}
    finding = found["cors.unescaped-dot"]
    assert finding.exchanges == ("cors.get.unescaped-dot-1",)
    assert fact(finding, "origin sent") == "https://apixshop.example"


def test_an_escaped_regex_trusts_no_look_alike():
    found = findings(site(regex(r"^https://api\.shop\.example$")))
    assert hostile(found) == set()
    assert "cors.origin-allowlist-ok" in found


def test_it_flags_special_characters_let_through_by_a_lookahead_check():
    # Meant to stop `shop.example.evil.test` and `shop.examplex`, it lets `shop.example_.x` in.
    found = findings(site(regex(r"^https://(?:[a-z0-9-]+\.)*shop\.example(?![a-z0-9.])")))

    finding = found["cors.special-characters"]
    assert finding.severity is Severity.LOW
    assert finding.glossary == "mistake-special-character-bypass"
    assert len(finding.exchanges) == 18
    assert fact(finding, "origins trusted").startswith("18: https://shop.example_.evil.test")
    assert "cors.any-subdomain" in found


def test_special_characters_with_credentials_are_high():
    only = regex(r"^https://shop\.example[_~]\.evil\.test$")
    found = findings(site(only, credentials=True))

    finding = found["cors.special-characters-credentials"]
    assert finding.severity is Severity.HIGH
    assert finding.exchanges == ("cors.get.special-underscore", "cors.get.special-tilde")
    assert finding.title.startswith("2 look-alike origins trusted")


def test_it_flags_any_subdomain_trusted():
    found = findings(site(regex(r"^https://[a-z0-9.-]+\.shop\.example$"), credentials=True))

    assert hostile(found) == {"cors.any-subdomain"}
    finding = found["cors.any-subdomain-credentials"]
    assert finding.severity is Severity.MEDIUM
    assert set(finding.exchanges) == {
        "cors.get.subdomain",
        "cors.get.site-subdomain",
        "cors.preflight.subdomain",
        "cors.preflight.site-subdomain",
    }


def test_it_flags_the_http_origin_trusted_by_an_https_site():
    found = findings(site(host_is(HOST), credentials=True))

    assert hostile(found) == {"cors.http-origin"}
    finding = found["cors.http-origin-credentials"]
    assert finding.severity is Severity.HIGH
    assert fact(finding, "origin sent") == "http://api.shop.example"


def test_a_plain_http_site_is_not_blamed_for_trusting_http():
    found = findings(site(host_is(HOST)), url="http://api.shop.example/")
    assert hostile(found) == set()


def test_a_narrower_class_with_credentials_is_not_hidden_behind_a_reflection_without():
    def odd(request: ReceivedRequest):
        origin = request.header("Origin") or ""
        headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if origin == "null":
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return 200, headers, b""

    found = findings(odd)
    assert found["cors.reflect-origin"].severity is Severity.MEDIUM
    assert found["cors.null-origin-credentials"].severity is Severity.CRITICAL


def test_a_reflection_seen_only_on_the_preflight_still_counts():
    def preflight_only(request: ReceivedRequest):
        if request.method != "OPTIONS":
            return 200, [], b""
        return 204, [("Access-Control-Allow-Origin", request.header("Origin") or "")], b""

    finding = findings(preflight_only)["cors.reflect-origin"]
    assert finding.exchanges == ("cors.preflight.arbitrary", "cors.private-network.arbitrary")


def test_it_reports_a_wildcard_origin_as_low():
    found = findings(site(wildcard=True))

    finding = found["cors.wildcard"]
    assert finding.severity is Severity.LOW
    assert fact(finding, "access-control-allow-origin") == "*"
    assert hostile(found) == set()
    assert "cors.origin-allowlist-ok" not in found


def test_it_reports_no_cors_when_no_origin_gets_headers():
    found = findings(site())

    assert set(found) == {"cors.none"}
    assert found["cors.none"].severity is Severity.INFO
    assert fact(found["cors.none"], "origins tried") == "40"


def test_any_allow_origin_header_means_cors_is_in_use():
    assert "cors.none" not in findings(site(listed(SELF)))


def test_it_says_when_the_users_frontend_is_refused():
    found = findings(site(listed(SELF)), frontend=FRONTEND)

    finding = found["cors.frontend-blocked"]
    assert finding.glossary == "error-no-allow-origin-header"
    assert finding.exchanges == ("cors.get.frontend", "cors.preflight.frontend")
    assert fact(finding, "origin sent") == FRONTEND


def test_a_frontend_refused_with_another_origin_points_at_the_mismatch_error():
    def fixed(request: ReceivedRequest):
        return 200, [("Access-Control-Allow-Origin", "https://other.example")], b""

    found = findings(fixed, frontend=FRONTEND)
    assert "cors.frontend-blocked" not in found
    assert found["cors.frontend-mismatch"].glossary == "error-allow-origin-mismatch"


def test_an_allowed_frontend_is_not_reported_as_blocked():
    assert "cors.frontend-blocked" not in findings(site(listed(FRONTEND)), frontend=FRONTEND)
    assert "cors.frontend-blocked" not in findings(site(wildcard=True), frontend=FRONTEND)


def test_it_judges_nothing_when_no_probe_was_answered():
    observation = observe(site(anyone))
    silent = replace(
        observation,
        probes=tuple(replace(p, response=None, error="timed out") for p in observation.probes),
    )
    assert list(cors.analyze(silent)) == []


def test_it_flags_a_shared_hosting_domain_trusted_with_credentials_as_critical():
    check = either(listed(SELF, FRONTEND), GITHUB_PAGES)
    found = findings(site(check, credentials=True), frontend=FRONTEND)

    assert hostile(found) == {"cors.shared-hosting-origin"}
    finding = found["cors.shared-hosting-origin-credentials"]
    assert finding.severity is Severity.CRITICAL
    assert finding.glossary == "mistake-shared-hosting-origin-trusted"
    assert finding.title == (
        "A page anyone can publish on GitHub Pages is trusted: https://shopevil.github.io, "
        "with credentials"
    )
    assert finding.exchanges == ("cors.get.hosting-github-io",)
    assert fact(finding, "origin sent") == "https://shopevil.github.io"
    assert fact(finding, "access-control-allow-origin") == "https://shopevil.github.io"
    assert fact(finding, "hosting provider") == "GitHub Pages"
    assert "cors.origin-allowlist-ok" not in found
    assert "cors.frontend-blocked" not in found


def test_a_shared_hosting_domain_without_credentials_is_medium():
    found = findings(site(either(listed(SELF), GITHUB_PAGES)))
    assert found["cors.shared-hosting-origin"].severity is Severity.MEDIUM
    assert "cors.shared-hosting-origin-credentials" not in found


def test_a_rule_for_the_sites_own_preview_deploys_is_caught():
    # `shop-git-<branch>.vercel.app` written as `shop.*`: an attacker's `shopevil` project matches
    check = either(listed(SELF), regex(r"^https://shop.*\.vercel\.app$"))
    finding = findings(site(check, credentials=True))["cors.shared-hosting-origin-credentials"]

    assert fact(finding, "origin sent") == "https://shopevil.vercel.app"
    assert fact(finding, "hosting provider") == "Vercel"


def test_several_providers_trusted_are_one_finding_naming_them_all():
    check = either(listed(SELF), ends_with(".netlify.app"), ends_with(".herokuapp.com"))
    finding = findings(site(check))["cors.shared-hosting-origin"]

    assert fact(finding, "origins trusted") == (
        "2: https://shopevil.netlify.app, https://shopevil.herokuapp.com"
    )


def test_a_frontend_on_shared_hosting_is_fine_but_its_neighbours_are_not():
    frontend = "https://shop.onrender.com"
    exact = findings(site(listed(SELF, frontend), credentials=True), frontend=frontend)
    assert hostile(exact) == set()
    assert "cors.origin-allowlist-ok" in exact

    everyone = either(listed(SELF), ends_with(".onrender.com"))
    found = findings(site(everyone, credentials=True), frontend=frontend)
    finding = found["cors.shared-hosting-origin-credentials"]
    assert fact(finding, "origin sent") == "https://shopevil.onrender.com"
    assert fact(finding, "hosting provider") == "Render"


def test_it_flags_a_development_origin_trusted_with_credentials_as_high():
    found = findings(
        site(listed(SELF, FRONTEND, "http://localhost:3000"), credentials=True), frontend=FRONTEND
    )

    assert hostile(found) == {"cors.development-origin"}
    finding = found["cors.development-origin-credentials"]
    assert finding.severity is Severity.HIGH
    assert finding.glossary == "mistake-development-origin-trusted"
    assert finding.exchanges == ("cors.get.development-localhost-3000",)
    assert finding.title == (
        "A development server's origin is trusted: http://localhost:3000, with credentials"
    )
    assert fact(finding, "origin sent") == "http://localhost:3000"
    assert fact(finding, "access-control-allow-credentials") == "true"


def test_a_development_origin_without_credentials_is_low():
    found = findings(site(listed(SELF, "http://localhost:5173")))

    finding = found["cors.development-origin"]
    assert finding.severity is Severity.LOW
    assert fact(finding, "origin sent") == "http://localhost:5173"


def test_a_rule_for_every_local_port_is_one_finding():
    check = either(listed(SELF), regex(r"^http://(localhost|127\.0\.0\.1)(:\d+)?$"))
    finding = findings(site(check, credentials=True))["cors.development-origin-credentials"]

    assert len(finding.exchanges) == 7
    assert fact(finding, "origins trusted").startswith("7: http://localhost:3000, ")


def test_no_development_origin_is_judged_when_the_frontend_is_one():
    frontend = "http://localhost:5173"
    check = listed(SELF, frontend, "http://localhost:3000")
    found = findings(site(check, credentials=True), frontend=frontend)

    assert hostile(found) == set()
    assert "cors.origin-allowlist-ok" in found


def test_a_site_that_echoes_everything_names_hosting_and_development_origins_once():
    found = findings(site(anyone, credentials=True))

    assert hostile(found) == {"cors.reflect-origin"}
    others = fact(found["cors.reflect-origin-credentials"], "other hostile origins trusted")
    # 26 look-alikes and null, 5 pages on shared hosting, 7 development servers
    assert others.startswith("38: ")
    assert not {
        "cors.shared-hosting-origin-credentials",
        "cors.development-origin-credentials",
    } & set(found)


def test_a_wildcard_is_not_taken_for_trusting_hosting_or_development_origins():
    found = findings(site(wildcard=True))
    assert hostile(found) == set()
    assert "cors.wildcard" in found


def test_an_http_api_whose_allow_list_names_https_subdomains_is_caught():
    # The API answers on http://, its allow-list names https:// origins only.
    check = either(listed(f"http://{HOST}"), regex(r"^https://[a-z0-9.-]+\.shop\.example$"))
    found = findings(site(check, credentials=True), url=f"http://{HOST}/")

    assert hostile(found) == {"cors.any-subdomain"}
    finding = found["cors.any-subdomain-credentials"]
    assert set(finding.exchanges) == {"cors.get.subdomain-https", "cors.get.site-subdomain-https"}
    assert fact(finding, "origin sent").startswith("https://x.")


def test_an_http_api_with_an_https_only_suffix_check_is_caught():
    check = either(listed(f"http://{HOST}"), regex(r"^https://.*shop\.example$"))
    found = findings(site(check), url=f"http://{HOST}/")

    finding = found["cors.suffix-match"]
    assert fact(finding, "origin sent") == "https://evilshop.example"
    assert finding.exchanges == ("cors.get.suffix-https",)
