"""The hostile-origin matrix: which origins each kind of host gets, and how many requests."""

from __future__ import annotations

import pytest

from checker.cors_matrix import (
    ARBITRARY_ORIGIN,
    SPECIAL_CHARACTERS,
    cors_probes,
    origin_family,
    probe_origins,
    registrable_domain,
)
from checker.model import Target
from checker.target import parse_target


def origins(url: str, frontend: str | None = None) -> dict[str, str]:
    return {o.label: o.origin for o in probe_origins(parse_target(url), frontend)}


def hand_target(scheme: str, host: str, port: int) -> Target:
    # parse_target refuses single-label names and loopback spellings are kept as typed here
    return Target(raw=host, scheme=scheme, host=host, port=port, path="/")


def test_it_derives_every_hostile_class_from_an_https_api_host():
    found = origins("https://api.shop.example/v1/items?page=2")

    assert {k: v for k, v in found.items() if not k.startswith("special-")} == {
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
    # 28 GETs, 9 preflights, 1 private network preflight, 1 missing page, 1 refused method
    assert len(specs) == 40


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

    assert found == {
        "self": "http://203.0.113.9:8080",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "prefix": "http://203.0.113.9.evil.test",
    }


def test_an_ipv6_host_gets_no_name_tricks():
    found = origins("https://[2001:db8::1]/")

    assert found == {
        "self": "https://[2001:db8::1]",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "http": "http://[2001:db8::1]",
    }


@pytest.mark.parametrize("host", ["localhost", "intranet"])
def test_a_single_label_host_gets_no_registrable_domain_tricks(host):
    found = {o.label: o.origin for o in probe_origins(hand_target("https", host, 443))}

    assert found == {
        "self": f"https://{host}",
        "arbitrary": ARBITRARY_ORIGIN,
        "null": "null",
        "prefix": f"https://{host}.evil.test",
        "http": f"http://{host}",
    }


def test_a_small_host_costs_thirteen_requests_at_most():
    specs = cors_probes(hand_target("http", "localhost", 8000), "https://app.example")
    assert len(specs) == 13


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
