"""``python -m checker --paths/--path/--openapi``: a whole-API scan from the command line."""

from __future__ import annotations

import json

import pytest

from checker.cli import NOT_JUDGED, USAGE
from tests.checker.api_site import OPENAPI, respond
from tests.checker.command_line import json_lines, run_checker
from tests.targets import TargetServer

ORDERS = "/v1/orders/{orderId}"


@pytest.fixture(scope="module")
def api():
    with TargetServer(responder=respond) as server:
        yield server


def test_an_openapi_file_probes_every_endpoint_and_names_the_bad_one(api, tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(OPENAPI))

    result = run_checker("--json", "--openapi", str(document), api.url + "/v1/")

    assert result.returncode == 0, result.stderr
    (row,) = json_lines(result.stdout)
    assert [e["path"] for e in row["endpoints"]] == [
        "/v1/users/{id}",
        ORDERS,
        "/v1/public",
        "/v1/admin",
    ]
    (reflect,) = [f for f in row["findings"] if f["id"] == "cors.reflect-origin-credentials"]
    assert dict(reflect["facts"])["endpoints"] == ORDERS


def test_an_openapi_url_is_fetched_by_the_scan_and_the_text_report_lists_endpoints(api):
    result = run_checker(
        "--openapi", api.url + "/openapi.yaml", "--max-endpoints", "2", api.url + "/v1/"
    )

    assert result.returncode == 0, result.stderr
    assert "Endpoints (2):" in result.stdout
    assert "the first 2 were probed" in result.stdout
    assert "  GET,DELETE /v1/orders/{orderId}: cors.reflect-origin-credentials" in result.stdout


def test_paths_come_from_a_file_and_from_the_command_line(api, tmp_path):
    listed = tmp_path / "paths.txt"
    listed.write_text("# ours\n/v1/public\n")

    result = run_checker(
        "--json", "--paths", str(listed), "--path", "GET,DELETE /v1/admin", api.url + "/v1/"
    )

    (row,) = json_lines(result.stdout)
    assert [(e["path"], e["methods"]) for e in row["endpoints"]] == [
        ("/v1/admin", ["GET", "DELETE"]),
        ("/v1/public", ["GET"]),
    ]


def test_the_setting_bounds_the_endpoints(api):
    result = run_checker(
        "--json",
        "--openapi",
        api.url + "/openapi.json",
        api.url + "/v1/",
        env={"CHECKER_MAX_ENDPOINTS": "1"},
    )

    (row,) = json_lines(result.stdout)
    assert len(row["endpoints"]) == 1
    assert row["endpoints_note"].startswith("The API has 4 endpoints; the first 1 were probed")


@pytest.mark.parametrize("value", ["x", "-1", "201"])
def test_a_bad_setting_is_a_setting_of_ours_as_for_every_checker_variable(api, value):
    result = run_checker(
        "--path", "/v1/public", api.url + "/", env={"CHECKER_MAX_ENDPOINTS": value}
    )

    assert result.returncode == NOT_JUDGED
    assert f"CHECKER_MAX_ENDPOINTS: '{value}': give a whole number from 0 to 200" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--path", "users"], "Line 1: a path starts with “/”"),
        (["--openapi", "/nonexistent/openapi.json"], "--openapi /nonexistent/openapi.json:"),
        (["--max-endpoints", "x"], "give a whole number from 0 to 200"),
    ],
)
def test_a_bad_list_or_document_is_a_usage_error(api, args, message):
    result = run_checker(*args, api.url + "/")

    assert result.returncode == USAGE
    assert message in result.stderr
    assert result.stdout == ""


def test_a_bad_openapi_file_is_refused_with_its_reason(api, tmp_path):
    document = tmp_path / "swagger.yaml"
    document.write_text("swagger: '2.0'\npaths: {}\n")

    result = run_checker("--openapi", str(document), api.url + "/")

    assert result.returncode == USAGE
    assert "This is a Swagger 2 document" in result.stderr
