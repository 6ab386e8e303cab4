"""Whole-API scans from the form and the JSON API, run by the task against a real local API.

The form takes a list of paths, an OpenAPI document's URL, an uploaded document or a pasted
one; the API takes the same as ``paths``, ``openapi_url`` and ``openapi``. What was asked is
stored with the scan and its target, so a re-check repeats it.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.checker.api_site import APP, OPENAPI, OPENAPI_YAML, respond
from tests.targets import TargetServer
from webui import rescans, scanning
from webui.models import Scan, Target
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

SCANS = "/api/v1/scans"
ORDERS = "/v1/orders/{orderId}"
ORDER = "/v1/orders/00000000-0000-4000-8000-000000000000"  # its example


@pytest.fixture
def api_server():
    with TargetServer(responder=respond) as server:
        yield server


def post(client, target: str, **fields):
    return client.post("/", {"target": target, **fields})


def scan_of(response) -> Scan:
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def post_json(client, body):
    return client.post(SCANS, json.dumps(body), content_type="application/json")


def form_errors(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="id_{name}_error"')
    return html[start : html.index("</p>", start)]


def test_more_options_offers_the_four_ways_to_give_an_api(client):
    html = client.get("/").content.decode()

    options = html[html.index('<details class="more-options"') : html.index("</details>")]
    assert 'enctype="multipart/form-data"' in html
    for name in ("api_paths", "openapi_url", "openapi_text"):
        assert f'name="{name}"' in options
    assert '<input type="file" name="openapi_file"' in options


def test_an_uploaded_document_is_scanned_endpoint_by_endpoint_and_the_bad_one_is_named(
    client, allow_loopback, api_server
):
    upload = SimpleUploadedFile("openapi.json", json.dumps(OPENAPI).encode())
    scan = scan_of(post(client, api_server.url + "/v1/", frontend_origin=APP, openapi_file=upload))
    assert scan.api["source"] == "openapi"
    assert scan.api["summary"] == "Shop API 1.2: 4 paths, 7 operations"
    assert [e["path"] for e in scan.api["endpoints"]][1] == ORDERS

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    report = scan.engine_report
    assert [e.path for e in report.endpoints] == [
        "/v1/users/{id}",
        ORDERS,
        "/v1/public",
        "/v1/admin",
    ]
    (reflect,) = [f for f in report.findings if f.id == "cors.reflect-origin-credentials"]
    assert dict(reflect.facts)["endpoints"] == ORDERS
    html = client.get(f"/r/{scan.token}/").content.decode()
    section = html[html.index('id="endpoints-title"') :]
    assert "Every endpoint (4)" in section
    assert "Every endpoint of an OpenAPI document (Shop API 1.2: 4 paths, 7 operations)" in section
    assert f"<code>GET, DELETE {ORDERS}</code>" in section
    assert "OPTIONS (preflight for DELETE)" in section
    assert f"What {api_server.url}{ORDER} answered" in section


def test_a_list_of_paths_from_the_form_is_kept_and_the_cap_is_said_on_the_page(
    client, allow_loopback, api_server, settings
):
    settings.CHECKER_MAX_ENDPOINTS = 1
    scan = scan_of(
        post(client, api_server.url + "/v1/", api_paths="/v1/public\r\nGET,DELETE /v1/admin")
    )
    assert scan.api["endpoints"] == [
        {"path": "/v1/public", "methods": ["GET"]},
        {"path": "/v1/admin", "methods": ["GET", "DELETE"]},
    ]

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert [e.path for e in scan.engine_report.endpoints] == ["/v1/public"]
    html = client.get(f"/r/{scan.token}/").content.decode()
    assert "The API has 2 endpoints; the first 1 were probed" in html
    assert not any(r.path == "/v1/admin" for r in api_server.requests)


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"api_paths": "users"}, "api_paths", "Line 1: a path starts with “/”"),
        ({"openapi_text": "swagger: '2.0'"}, "openapi_text", "This is a Swagger 2 document"),
        ({"openapi_text": "{"}, "openapi_text", "not valid JSON"),
        ({"openapi_url": "example.com/openapi.json"}, "openapi_url", "whole URL, with https://"),
        (
            {"api_paths": "/a", "openapi_url": "https://example.com/o.json"},
            "openapi_url",
            "Give the endpoints one way",
        ),
    ],
)
def test_a_bad_list_or_document_is_refused_on_the_form_and_nothing_is_queued(
    client, fields, name, message
):
    response = post(client, "example.com", **fields)

    assert response.status_code == 200
    assert message in form_errors(response, name)
    assert '<details class="more-options" open>' in response.content.decode()
    assert not Scan.objects.exists()


def test_a_huge_upload_is_refused_without_being_read(client, settings):
    upload = SimpleUploadedFile("big.json", b" " * (4 * 1024 * 1024 + 1))

    response = post(client, "example.com", openapi_file=upload)

    assert "at most 4 MiB is read" in form_errors(response, "openapi_file")
    assert not Scan.objects.exists()


def test_the_api_takes_paths_and_a_pasted_document_and_says_what_was_asked(client):
    response = post_json(client, {"target": "https://api.example.com/", "paths": ["/a", "PUT /b"]})

    assert response.status_code == 202, response.content.decode()
    body = response.json()
    assert body["api"]["endpoints"] == [
        {"path": "/a", "methods": ["GET"]},
        {"path": "/b", "methods": ["PUT"]},
    ]
    pasted = post_json(client, {"target": "https://api.example.com/", "openapi": OPENAPI_YAML})
    assert pasted.status_code == 202, pasted.content.decode()
    assert pasted.json()["api"]["summary"] == "Shop API 1.2: 4 paths, 7 operations"
    assert Scan.objects.count() == 2  # two different asks: neither joins the other


def test_the_api_stores_an_openapi_url_for_the_worker_to_fetch(client):
    response = post_json(
        client,
        {"target": "https://api.example.com/", "openapi_url": "https://api.example.com/o.yaml"},
    )

    assert response.status_code == 202
    assert Scan.objects.get().api == {
        "source": "openapi-url",
        "summary": "",
        "openapi_url": "https://api.example.com/o.yaml",
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"paths": ["/a\n/b"]}, "paths", "Line 1: a path is one line"),
        ({"paths": ["nope"]}, "paths", "Line 1: a path starts with “/”"),
        ({"openapi": "[]"}, "openapi", "The OpenAPI document must be an object at the top."),
        ({"openapi_url": "ftp://x/"}, "openapi_url", ""),
    ],
)
def test_the_api_refuses_a_bad_list_or_document_as_bad_endpoints(client, body, field, message):
    response = post_json(client, {"target": "https://api.example.com/", **body})

    assert response.status_code == 400, response.content.decode()
    error = response.json()
    assert (error["code"], error["field"]) == ("bad_endpoints", field)
    assert message in error["message"]
    assert not Scan.objects.exists()


def test_a_whole_api_scan_is_its_own_target_and_a_recheck_repeats_what_was_asked(client):
    plain = post_json(client, {"target": "https://api.example.com/"}).json()
    whole = post_json(client, {"target": "https://api.example.com/", "paths": ["/users"]}).json()

    assert plain["token"] != whole["token"]
    assert Target.objects.count() == 2
    scan = Scan.objects.get(token=whole["token"])
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.DONE)
    again, new = scanning.start_target_scan(scan.target)
    assert new
    assert again.api == scan.api and again.target_id == scan.target_id
    Scan.objects.filter(pk=again.pk).update(status=Scan.Status.DONE)
    rescanned = rescans.start(Scan.objects.get(pk=scan.pk), client="")
    assert rescanned.api == scan.api


def test_a_plain_scan_stores_no_api(client):
    post_json(client, {"target": "https://api.example.com/"})

    scan = Scan.objects.get()
    assert (scan.api, scan.api_key, scan.target.api_key) == ({}, "", "")
