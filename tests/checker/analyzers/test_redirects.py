from checker.analyze import redirects
from checker.model import Severity
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
