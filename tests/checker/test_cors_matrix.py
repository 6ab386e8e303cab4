"""The hostile-origin matrix: which origins each kind of host gets, and how many requests."""

from __future__ import annotations

import pytest

from checker.cors_matrix import (
    ARBITRARY_ORIGIN,
    DEVELOPMENT_ORIGINS,
    HOSTING_EVERY_SCAN,
    SHARED_HOSTING,
    SPECIAL_CHARACTERS,
    cors_probes,
    hosting_provider,
    is_local_origin,
    origin_family,
    probe_origins,
    registrable_domain,
    shared_hosting_suffix,
)
from checker.model import Target
from checker.target import parse_target


def origins(url: str, frontend: str | None = None) -> dict[str, str]:
    return {o.label: o.origin for o in probe_origins(parse_target(url), frontend)}


# The classes every host gets whatever its name: pages on shared hosting, development servers.
ATTACKERS_OWN = ("hosting-", "development-")


def look_alikes(found: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in found.items() if not k.startswith(ATTACKERS_OWN)}


def hand_target(scheme: str, host: str, port: int) -> Target:
    # parse_target refuses single-label names and loopback spellings are kept as typed here
    return Target(raw=host, scheme=scheme, host=host, port=port, path="/")


def test_it_derives_every_hostile_class_from_an_https_api_host():
    found = origins("https://api.shop.example/v1/items?page=2")

    assert {k: v for k, v in look_alikes(found).items() if not k.startswith("special-")} == {
        "self": "https://api.shop.example",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "prefix": "https://api.shop.example.evil.test",
        "suffix": "https://evilshop.example",
        "substring": "https://shop.example.evil.test",
        "subdomain": "https://x.api.shop.example",
        "site-subdomain": "https://x.shop.example",
        "http": "http://api.shop.example",
        "unescaped-dot-1": "https://apixshop.example",
    }
    assert found["special-underscore"] == "https://shop.example_.evil.test"
    assert found["special-backtick"] == "https://shop.example`.evil.test"
    assert len([k for k in found if k.startswith("special-")]) == len(SPECIAL_CHARACTERS)


def test_it_sends_the_main_classes_on_get_and_preflight_and_the_variants_on_get_only():
    specs = cors_probes(parse_target("https://api.shop.example/"), token="t")
    ids = [spec.id for spec in specs]

    assert len(ids) == len(set(ids))
    assert "cors.get.special-underscore" in ids
    assert "cors.preflight.special-underscore" not in ids
    assert "cors.get.unescaped-dot-1" in ids
    assert "cors.preflight.unescaped-dot-1" not in ids
    preflights = [
        spec.id.removeprefix("cors.preflight.") for spec in specs if spec.method == "OPTIONS"
    ]
    assert preflights == [
        "self",
        "arbitrary",
        "null",
        "prefix",
        "suffix",
        "substring",
        "subdomain",
        "site-subdomain",
        "http",
        "cors.private-network.arbitrary",
    ]
    # 40 GETs (28 look-alikes, 5 hosting providers, 7 development servers), 9 preflights,
    # 1 private network preflight, 1 missing page, 1 refused method
    assert len(specs) == 52


def test_a_preflight_asks_for_put_with_content_type_and_authorization():
    specs = {s.id: s for s in cors_probes(parse_target("https://api.shop.example/"), token="t")}
    preflight = specs["cors.preflight.null"]

    assert preflight.method == "OPTIONS"
    assert dict(preflight.headers) == {
        "Origin": "null",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,content-type",  # as browsers write it
    }
    assert preflight.origin_label == "null"


def test_the_private_network_preflight_comes_from_a_foreign_origin():
    specs = {s.id: s for s in cors_probes(parse_target("https://api.shop.example/"), token="t")}
    probe = specs["cors.private-network.arbitrary"]

    assert dict(probe.headers)["Access-Control-Request-Private-Network"] == "true"
    assert dict(probe.headers)["Origin"] == ARBITRARY_ORIGIN


def test_the_missing_page_probe_uses_the_frontend_when_one_is_given():
    target = parse_target("https://api.shop.example/")
    without = [s for s in cors_probes(target, token="abc") if s.id.startswith("cors.error.")]
    with_frontend = [
        s
        for s in cors_probes(target, "https://app.shop.example", token="abc")
        if s.id.startswith("cors.error.")
    ]

    assert [(s.id, s.path, dict(s.headers)["Origin"]) for s in without] == [
        ("cors.error.self", "abc-corscheck-404", "https://api.shop.example")
    ]
    assert [(s.id, dict(s.headers)["Origin"]) for s in with_frontend] == [
        ("cors.error.frontend", "https://app.shop.example")
    ]


def test_the_missing_page_gets_a_fresh_random_name_by_default():
    target = parse_target("https://api.shop.example/")
    paths = {
        next(s.path for s in cors_probes(target) if s.id.startswith("cors.error."))
        for _ in range(3)
    }
    assert len(paths) == 3


def test_a_frontend_origin_is_tried_after_self_and_normalised():
    found = probe_origins(
        parse_target("https://api.shop.example/"), "HTTPS://App.Shop.Example:443/"
    )
    assert [(o.label, o.origin) for o in found[:3]] == [
        ("self", "https://api.shop.example"),
        ("frontend", "https://app.shop.example"),
        ("arbitrary", ARBITRARY_ORIGIN),
    ]


def test_a_frontend_that_equals_a_hostile_origin_keeps_the_frontend_label():
    found = origins("https://api.shop.example/", "https://x.shop.example")
    assert found["frontend"] == "https://x.shop.example"
    assert "site-subdomain" not in found


def test_a_registrable_apex_host_gets_each_origin_once():
    found = origins("https://shop.example/")

    assert found["prefix"] == "https://shop.example.evil.test"
    assert "substring" not in found  # the same origin as the prefix trick
    assert found["subdomain"] == "https://x.shop.example"
    assert "site-subdomain" not in found
    assert "unescaped-dot-1" not in found  # `shopxexample` would be a new top-level domain
    assert len(set(found.values())) == len(found)


def test_an_idn_host_is_probed_in_its_punycode_form():
    found = origins("https://bücher.example/")

    assert found["self"] == "https://xn--bcher-kva.example"
    assert found["prefix"] == "https://xn--bcher-kva.example.evil.test"
    assert found["suffix"] == "https://evilxn--bcher-kva.example"
    assert found["special-tilde"] == "https://xn--bcher-kva.example~.evil.test"


def test_a_port_stays_on_self_but_not_on_hostile_origins():
    found = origins("https://api.shop.example:8443/")

    assert found["self"] == "https://api.shop.example:8443"
    assert found["prefix"] == "https://api.shop.example.evil.test"
    assert found["http"] == "http://api.shop.example"
    assert found["suffix"] == "https://evilshop.example"


def test_an_http_target_gets_http_tricks_and_no_http_downgrade_probe():
    found = origins("http://api.shop.example/")

    assert found["prefix"] == "http://api.shop.example.evil.test"
    assert found["suffix"] == "http://evilshop.example"
    assert "http" not in found


def test_each_dot_but_the_last_is_replaced_under_a_multi_label_public_suffix():
    found = origins("https://a.b.shop.co.uk/")

    assert [found[f"unescaped-dot-{n}"] for n in (1, 2, 3)] == [
        "https://a.b.shopxco.uk",
        "https://a.bxshop.co.uk",
        "https://axb.shop.co.uk",
    ]
    assert "unescaped-dot-4" not in found
    assert found["suffix"] == "https://evilshop.co.uk"


def test_an_ipv4_host_gets_only_the_classes_that_make_sense():
    found = origins("http://203.0.113.9:8080/")

    assert look_alikes(found) == {
        "self": "http://203.0.113.9:8080",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "prefix": "http://203.0.113.9.evil.test",
        "prefix-https": "https://203.0.113.9.evil.test",
    }


def test_an_ipv6_host_gets_no_name_tricks():
    found = origins("https://[2001:db8::1]/")

    assert look_alikes(found) == {
        "self": "https://[2001:db8::1]",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "http": "http://[2001:db8::1]",
    }


@pytest.mark.parametrize("host", ["localhost", "intranet"])
def test_a_single_label_host_gets_no_registrable_domain_tricks(host):
    found = {o.label: o.origin for o in probe_origins(hand_target("https", host, 443))}

    assert look_alikes(found) == {
        "self": f"https://{host}",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "prefix": f"https://{host}.evil.test",
        "http": f"http://{host}",
    }


def test_a_small_host_costs_twenty_five_requests():
    specs = cors_probes(hand_target("http", "localhost", 8000), "https://app.example")
    # 12 as before, the refused method, the prefix trick over https, 5 hosting providers and 6
    # development servers (http://localhost:8000 is the target itself)
    assert len(specs) == 25


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api.shop.example", "shop.example"),
        ("api.shop.co.uk", "shop.co.uk"),
        ("user.github.io", "user.github.io"),
        ("github.io", None),
        ("localhost", None),
        ("192.0.2.1", None),
        ("2001:db8::1", None),
    ],
)
def test_it_finds_the_registrable_domain_from_the_bundled_list(host, expected):
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("special-underscore", "special"),
        ("unescaped-dot-2", "unescaped-dot"),
        ("site-subdomain", "site-subdomain"),
        ("subdomain", "subdomain"),
        ("frontend", "frontend"),
        (None, None),
    ],
)
def test_a_label_maps_to_its_family(label, family):
    assert origin_family(label) == family


def hosting(found: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in found.items() if k.startswith("hosting-")}


def test_every_scan_tries_a_page_of_its_own_on_the_usual_shared_hosts():
    found = origins("https://api.shop.example/")

    assert hosting(found) == {
        "hosting-github-io": "https://shopevil.github.io",
        "hosting-vercel-app": "https://shopevil.vercel.app",
        "hosting-netlify-app": "https://shopevil.netlify.app",
        "hosting-herokuapp-com": "https://shopevil.herokuapp.com",
        "hosting-ngrok-free-app": "https://shopevil.ngrok-free.app",
    }


def test_shared_hosting_and_development_origins_go_on_a_get_only():
    specs = cors_probes(parse_target("https://api.shop.example/"), token="t")
    new = [s for s in specs if (s.origin_label or "").startswith(ATTACKERS_OWN)]

    assert len(new) == len(HOSTING_EVERY_SCAN) + len(DEVELOPMENT_ORIGINS)
    assert {s.method for s in new} == {"GET"}


def test_a_host_without_a_plain_name_sends_a_neutral_page_name():
    assert hosting(origins("http://203.0.113.9/"))["hosting-github-io"] == (
        "https://corscheckevil.github.io"
    )
    assert hosting(origins("https://bücher.example/"))["hosting-vercel-app"] == (
        "https://corscheckevil.vercel.app"
    )


@pytest.mark.parametrize(
    ("frontend", "label", "origin"),
    [
        ("https://shop.onrender.com", "hosting-onrender-com", "https://shopevil.onrender.com"),
        # not in our table, but a private suffix of the public suffix list
        (
            "https://shop.readthedocs.io",
            "hosting-readthedocs-io",
            "https://shopevil.readthedocs.io",
        ),
    ],
)
def test_the_provider_the_frontend_is_hosted_on_is_tried_too(frontend, label, origin):
    found = origins("https://api.shop.example/", frontend)

    assert found[label] == origin
    assert len(hosting(found)) == len(HOSTING_EVERY_SCAN) + 1
    assert found["frontend"] == frontend


def test_the_provider_the_target_is_hosted_on_is_tried_too():
    found = origins("https://shop-api.azurewebsites.net/")

    assert found["hosting-azurewebsites-net"] == "https://corscheckevil.azurewebsites.net"
    assert found["suffix"] == "https://evilshop-api.azurewebsites.net"


def test_a_frontend_on_a_provider_tried_anyway_adds_no_probe():
    found = origins("https://api.shop.example/", "https://shop.vercel.app")
    assert len(hosting(found)) == len(HOSTING_EVERY_SCAN)


def test_the_hosting_table_is_consistent():
    suffixes = [suffix for suffix, _ in SHARED_HOSTING]
    assert len(suffixes) == len(set(suffixes))
    assert set(HOSTING_EVERY_SCAN) <= set(suffixes)
    for suffix, provider in SHARED_HOSTING:
        assert suffix == suffix.lower().strip(".") and provider
        assert shared_hosting_suffix(f"tenant.{suffix}") == suffix
        assert hosting_provider(f"https://tenant.{suffix}") == provider


@pytest.mark.parametrize(
    ("value", "provider"),
    [
        ("https://shopevil.github.io", "GitHub Pages"),
        ("https://a.b.s3.amazonaws.com", "Amazon S3"),
        ("https://x.readthedocs.io", "readthedocs.io"),
        ("https://github.io", None),  # the provider's own site is not a tenant's page
        ("https://app.shop.example", None),
        ("https://203.0.113.9", None),
        ("null", None),
        (None, None),
    ],
)
def test_it_names_the_hosting_provider_of_an_origin(value, provider):
    assert hosting_provider(value) == provider


def test_every_scan_tries_the_usual_development_servers():
    found = origins("https://api.shop.example/")
    development = {k: v for k, v in found.items() if k.startswith("development-")}

    assert list(development.values()) == [origin for _, origin in DEVELOPMENT_ORIGINS]
    assert found["development-localhost-3000"] == "http://localhost:3000"
    assert found["development-127-0-0-1-3000"] == "http://127.0.0.1:3000"


def test_no_development_origin_is_tried_when_the_frontend_is_one():
    found = origins("https://api.shop.example/", "http://localhost:5173")

    assert found["frontend"] == "http://localhost:5173"
    assert not [k for k in found if k.startswith("development-")]


def test_a_development_origin_equal_to_the_target_stays_self():
    found = {o.label: o.origin for o in probe_origins(hand_target("http", "localhost", 3000))}
    assert found["self"] == "http://localhost:3000"
    assert "development-localhost-3000" not in found
    assert found["development-localhost-5173"] == "http://localhost:5173"


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("http://localhost:3000", True),
        ("http://app.localhost", True),
        ("http://127.0.0.2:8080", True),
        ("http://[::1]:3000", True),
        ("https://app.shop.example", False),
        ("http://10.0.0.5", False),
        ("null", False),
        (None, False),
    ],
)
def test_it_knows_a_development_servers_origin(value, local):
    assert is_local_origin(value) is local


def test_an_http_target_gets_its_look_alikes_over_https_too_on_a_get_only():
    specs = cors_probes(parse_target("http://api.shop.example/"), token="t")
    twins = {s.origin_label: dict(s.headers)["Origin"] for s in specs if "-https" in s.id}

    assert twins == {
        "prefix-https": "https://api.shop.example.evil.test",
        "suffix-https": "https://evilshop.example",
        "substring-https": "https://shop.example.evil.test",
        "subdomain-https": "https://x.api.shop.example",
        "site-subdomain-https": "https://x.shop.example",
    }
    assert all(s.method == "GET" for s in specs if "-https" in s.id)


def test_an_https_target_gets_no_twins():
    assert not [k for k in origins("https://api.shop.example/") if k.endswith("-https")]


def test_the_worst_case_host_stays_bounded():
    # deep name, plain http, a frontend on a provider not tried by default, a target on another
    specs = cors_probes(
        parse_target("http://a.b.c.d.e.shop.onrender.com/"), "https://shop.readthedocs.io"
    )
    gets = [s for s in specs if s.method == "GET" and (s.origin_label or "").startswith("hosting")]

    assert len(gets) == len(HOSTING_EVERY_SCAN) + 2
    assert len(specs) <= 62


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("hosting-github-io", "hosting"),
        ("development-localhost-3000", "development"),
        ("prefix-https", "prefix"),
        ("subdomain-https", "subdomain"),
        ("site-subdomain-https", "site-subdomain"),
    ],
)
def test_new_labels_map_to_their_family(label, family):
    assert origin_family(label) == family
