from dataclasses import replace

from checker.analyze import redirects
from checker.model import Exchange, Request, Severity
from tests.checker.analyzers.build import chain, exchange, fact, ids, only, redirect


def test_it_passes_a_first_hop_to_https_on_the_same_host():
    observation = chain(
        redirect("http://example.com/", "https://example.com/", probe="main.0"),
        exchange("https://example.com/", probe="main.1"),
    )
    finding = only(redirects.analyze(observation), "redirect.https")
    assert finding.severity is Severity.PASS
    assert finding.exchanges == ("main.0",)


def test_it_accepts_a_relative_location_resolved_by_the_engine():
    observation = chain(redirect("http://example.com/a", "/b", probe="main.0"))
    # The chain ends on the redirect: the Location is valid, so there were too many hops.
    assert ids(redirects.analyze(observation)) == ["redirect.not-to-https", "redirect.too-many"]


def test_it_flags_plain_http_that_does_not_redirect_at_all():
    finding = only(redirects.analyze(chain(exchange("http://example.com/"))), "redirect.missing")
    assert finding.severity is Severity.HIGH
    assert fact(finding, "status") == ["200"]


def test_it_says_nothing_about_http_when_the_chain_starts_on_https():
    assert ids(redirects.analyze(chain(exchange("https://example.com/")))) == []


def test_it_flags_a_first_hop_to_https_on_another_host():
    observation = chain(
        redirect("http://example.com/", "https://www.example.com/", probe="main.0"),
        exchange("https://www.example.com/", probe="main.1"),
    )
    finding = only(redirects.analyze(observation), "redirect.https-other-host")
    assert "www.example.com" in finding.title


def test_it_flags_https_reached_only_after_a_plain_http_hop():
    observation = chain(
        redirect("http://example.com/", "http://www.example.com/", probe="main.0"),
        redirect("http://www.example.com/", "https://www.example.com/", probe="main.1"),
        exchange("https://www.example.com/", probe="main.2"),
    )
    assert ids(redirects.analyze(observation)) == ["redirect.https-not-first"]


def test_it_flags_redirects_that_never_reach_https():
    observation = chain(
        redirect("http://example.com/", "http://example.com/home", probe="main.0"),
        exchange("http://example.com/home", probe="main.1"),
    )
    assert ids(redirects.analyze(observation)) == ["redirect.not-to-https"]


def test_it_flags_a_downgrade_from_https_to_http_anywhere_in_the_chain():
    observation = chain(
        redirect("http://example.com/", "https://example.com/", probe="main.0"),
        redirect("https://example.com/", "http://example.com/login", probe="main.1"),
        exchange("http://example.com/login", probe="main.2"),
    )
    findings = list(redirects.analyze(observation))
    assert ids(findings) == ["redirect.downgrade", "redirect.https"]
    downgrade = only(findings, "redirect.downgrade")
    assert downgrade.exchanges == ("main.1",)
    assert fact(downgrade, "to") == ["http://example.com/login"]


def test_it_flags_a_location_that_cannot_be_followed():
    observation = chain(redirect("https://example.com/", "javascript:alert(1)", probe="main.0"))
    finding = only(redirects.analyze(observation), "redirect.invalid-location")
    assert fact(finding, "location") == ["javascript:alert(1)"]


def test_it_survives_a_hostile_location():
    for location in (
        "http://[::1",
        "http://\x00/",
        "\u202e" * 5000,
        "https://" + "a" * 70 + ".com",
    ):
        observation = chain(redirect("https://example.com/", location, probe="main.0"))
        assert ids(redirects.analyze(observation))


# --- The way from http://host/ when the main chain started on HTTPS, and sites with no HTTPS ---


def typed_https(*http_chain, not_probed=None):
    """A scan of https://example.com/ with the engine's own probe of http://example.com/."""
    return replace(
        chain(exchange("https://example.com/")),
        http_chain=tuple(http_chain),
        http_not_probed=not_probed,
    )


def test_the_way_from_http_is_judged_when_the_user_typed_https():
    observation = typed_https(
        redirect("http://example.com/", "https://example.com/", probe="http.0"),
        exchange("https://example.com/", probe="http.1"),
    )
    finding = only(redirects.analyze(observation), "redirect.https")
    assert finding.exchanges == ("http.0",)


def test_plain_http_serving_the_page_is_flagged_when_the_user_typed_https():
    observation = typed_https(exchange("http://example.com/", probe="http.0"))
    finding = only(redirects.analyze(observation), "redirect.missing")
    assert finding.exchanges == ("http.0",)


def test_a_first_hop_from_http_to_another_host_is_flagged_when_the_user_typed_https():
    observation = typed_https(
        redirect("http://example.com/", "https://www.example.com/", probe="http.0"),
        exchange("https://www.example.com/", probe="http.1"),
    )
    assert ids(redirects.analyze(observation)) == ["redirect.https-other-host"]


def test_a_downgrade_in_the_way_from_http_is_flagged():
    observation = typed_https(
        redirect("http://example.com/", "https://example.com/", probe="http.0"),
        redirect("https://example.com/", "http://example.com/old", probe="http.1"),
        exchange("http://example.com/old", probe="http.2"),
    )
    downgrade = only(redirects.analyze(observation), "redirect.downgrade")
    assert downgrade.exchanges == ("http.1",)


def test_a_host_that_does_not_serve_plain_http_has_nothing_to_redirect():
    refused = Exchange(
        "http.0", Request("GET", "http://example.com/"), error="example.com refused the connection"
    )
    finding = only(redirects.analyze(typed_https(refused)), "https.http-not-served")
    assert finding.severity is Severity.INFO
    assert fact(finding, "error") == ["example.com refused the connection"]


def test_a_plain_http_probe_that_ran_out_of_time_is_not_judged():
    late = Exchange("http.0", Request("GET", "http://example.com/"), error="late", timed_out=True)
    assert ids(redirects.analyze(typed_https(late))) == []


def test_it_says_why_the_way_from_http_was_not_checked():
    observation = typed_https(not_probed="93.184.216.34 is an IP address")
    finding = only(redirects.analyze(observation), "https.http-not-checked")
    assert finding.severity is Severity.INFO
    assert fact(finding, "why") == ["93.184.216.34 is an IP address"]


def plain_http_site(https_probe):
    return replace(chain(exchange("http://example.com/")), https_probe=https_probe)


def test_a_site_with_no_https_at_all_is_told_exactly_that():
    refused = Exchange(
        "https.0", Request("GET", "https://example.com/"), error="refused on port 443"
    )
    findings = list(redirects.analyze(plain_http_site(refused)))
    finding = only(findings, "https.not-available")
    assert finding.severity is Severity.HIGH
    assert finding.exchanges == ("main.0", "https.0")
    assert fact(finding, "error") == ["refused on port 443"]
    assert "redirect.missing" not in ids(findings)


def test_a_plain_http_site_whose_https_answers_only_lacks_the_redirect():
    findings = list(
        redirects.analyze(plain_http_site(exchange("https://example.com/", probe="https.0")))
    )
    finding = only(findings, "redirect.missing")
    assert finding.exchanges == ("main.0", "https.0")
    assert fact(finding, "https") == ["https://example.com/ answers 200"]
    assert "https.not-available" not in ids(findings)


def test_an_https_probe_that_ran_out_of_time_proves_nothing():
    late = Exchange("https.0", Request("GET", "https://example.com/"), error="late", timed_out=True)
    assert ids(redirects.analyze(plain_http_site(late))) == ["redirect.missing"]


def test_a_way_from_http_that_stops_before_the_main_chain_is_judged_by_where_it_leads():
    # The probe stops before a URL the main chain fetched: its last hop is a redirect.
    observation = typed_https(
        redirect("http://example.com/", "http://www.example.com/", probe="http.0"),
        redirect("http://www.example.com/", "https://example.com/", probe="http.1"),
    )
    finding = only(redirects.analyze(observation), "redirect.https-not-first")
    assert fact(finding, "final") == ["https://example.com/"]
