"""Reading what a whole-API scan is asked for: lists of paths and OpenAPI 3 documents."""

from __future__ import annotations

import json

import pytest

from checker.endpoints import (
    MAX_DOCUMENT_BYTES,
    MAX_ENDPOINTS,
    EndpointsError,
    cap,
    fill,
    parse_openapi,
    parse_paths,
)
from checker.model import Endpoint
from tests.checker.api_site import OPENAPI, OPENAPI_YAML


def refused(data) -> str:
    with pytest.raises(EndpointsError) as raised:
        parse_openapi(data)
    return raised.value.message


def test_a_json_document_gives_each_path_with_its_methods_under_the_servers_path():
    document = parse_openapi(json.dumps(OPENAPI))

    assert document.title == "Shop API"
    assert document.base_path == "/v1"
    assert document.operations == 7
    assert document.endpoints == (
        Endpoint("/v1/users/{id}", ("GET", "PUT"), "/v1/users/1"),
        Endpoint(
            "/v1/orders/{orderId}",
            ("GET", "DELETE"),
            "/v1/orders/00000000-0000-4000-8000-000000000000",
        ),
        Endpoint("/v1/public", ("GET",)),
        Endpoint("/v1/admin", ("GET", "DELETE")),
    )
    assert document.summary == "Shop API 1.2: 4 paths, 7 operations"


def test_a_yaml_document_reads_the_same_with_a_relative_server():
    document = parse_openapi(OPENAPI_YAML.encode())

    assert [(e.path, e.example) for e in document.endpoints][:2] == [
        ("/v1/users/{id}", None),  # no schema: the scan fills the placeholder
        ("/v1/orders/{orderId}", None),
    ]
    assert [e.path for e in document.endpoints] == [
        "/v1/users/{id}",
        "/v1/orders/{orderId}",
        "/v1/public",
        "/v1/admin",
    ]


def test_server_variables_are_filled_with_their_defaults():
    document = parse_openapi(
        json.dumps(
            {
                "openapi": "3.1.0",
                "servers": [
                    {
                        "url": "https://{region}.shop.example/{base}",
                        "variables": {"region": {"default": "eu"}, "base": {"default": "api"}},
                    }
                ],
                "paths": {"/items": {"post": {}, "options": {}, "trace": {}}},
            }
        )
    )

    assert document.endpoints == (Endpoint("/api/items", ("POST",)),)
    assert document.operations == 3  # options and trace are counted, never probed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "The OpenAPI document is empty."),
        ("[1, 2]", "The OpenAPI document must be an object at the top."),
        ('{"swagger": "2.0", "paths": {}}', "This is a Swagger 2 document"),
        ('{"openapi": "2.0"}', "it is not OpenAPI 3"),
        ('{"openapi": "3.0.0"}', "has no “paths” object"),
        ('{"openapi": "3.0.0", "paths": {"users": {"get": {}}}}', "a path starts with “/”"),
        ('{"openapi": "3.0.0", "paths": {"/a b": {"get": {}}}}', "is not a URL path"),
        ('{"openapi": "3.0.0", "paths": {"/a": []}}', "must map to an object of operations"),
        ('{"openapi": "3.0.0", "paths": {"/a": {"options": {}}}}', "describes no operation"),
        ('{"openapi": "3.0.0", "servers": "x", "paths": {}}', "“servers” must be a list"),
        ('{"openapi": 3, "paths": {', "not valid JSON"),
        ("openapi: [unclosed", "not valid JSON or YAML"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_bad_document_is_refused_with_a_sentence(data, message):
    assert message in refused(data)


def test_a_server_variable_without_a_default_is_refused():
    document = {"openapi": "3.0.0", "servers": [{"url": "/{v}"}], "paths": {"/a": {"get": {}}}}

    assert refused(json.dumps(document)) == "The server variable {v} has no default."


def test_a_huge_document_is_refused_before_it_is_parsed():
    huge = b'{"openapi": "3.0.0", "x": "' + b"a" * MAX_DOCUMENT_BYTES + b'"}'

    assert refused(huge).startswith("The OpenAPI document is 4096 KiB; at most 4 MiB is read.")


def test_a_yaml_alias_bomb_is_refused_not_expanded():
    bomb = "\n".join(
        ['openapi: "3.0.0"', "a: &a [x, x, x, x, x, x, x, x, x]"]
        + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]" for i in range(20)]
        + ["paths: {}"]
    )

    assert "aliases (*a) are not accepted" in refused(bomb)


def test_a_deeply_nested_document_is_refused_not_crashed():
    assert "not valid JSON" in refused('{"openapi": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_a_list_of_paths_takes_methods_and_merges_repeats():
    found = parse_paths("# the API\n/users\nPOST,delete /users/{id}\n\nGET /users/{id}\n")

    assert found == (
        Endpoint("/users", ("GET",)),
        Endpoint("/users/{id}", ("GET", "POST", "DELETE")),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The list of paths is empty."),
        ("users", "Line 1: a path starts with “/”"),
        ("/a\nBREW /b", "Line 2: “BREW” is not a method list"),
        ("GET /a extra", "Line 1: write “METHOD,METHOD /path”"),
        ("//evil.example/x", "is not a URL path"),
        ("/a?b=1", "is not a URL path"),
    ],
)
def test_a_bad_list_of_paths_is_refused_with_the_line(text, message):
    with pytest.raises(EndpointsError) as raised:
        parse_paths(text)

    assert message in raised.value.message


def test_templates_are_filled_with_a_harmless_placeholder():
    assert fill("/users/{id}/posts/{post_id}") == "/users/1/posts/1"
    assert fill("/items/{sku}", {"sku": "true"}) == "/items/true"


def test_the_cap_cuts_the_list_and_says_so():
    endpoints = tuple(Endpoint(f"/e{i}") for i in range(25))

    assert cap(endpoints[:20], 20) == (endpoints[:20], None)
    chosen, note = cap(endpoints, 20)
    assert chosen == endpoints[:20]
    assert note == (
        "The API has 25 endpoints; the first 20 were probed "
        "(the limit of endpoints per scan is 20)."
    )


def test_no_setting_makes_a_scan_probe_more_than_the_hard_ceiling():
    endpoints = tuple(Endpoint(f"/e{i}") for i in range(MAX_ENDPOINTS + 50))

    chosen, note = cap(endpoints, 10_000)

    assert len(chosen) == MAX_ENDPOINTS
    assert note.endswith(
        f"the first {MAX_ENDPOINTS} were probed "
        f"(the limit of endpoints per scan is {MAX_ENDPOINTS})."
    )
