"""``--format sarif``: one SARIF 2.1.0 log that the official schema accepts and GitHub code
scanning can file, from real scans."""

from __future__ import annotations

import json

import jsonschema
import pytest

from checker.cli import NOT_JUDGED, PASSED
from checker.findings import CATALOGUE, ROWS
from checker.model import Severity
from checker.sarif import LEVELS, default_file_path
from tests.checker.command_line import (
    LADDER,
    assert_valid,
    json_lines,
    page_with,
    run_checker,
)
from tests.checker.command_line import (
    SARIF_SCHEMA as SCHEMA,
)


def reflecting_page(request):
    status, headers, body = page_with(LADDER["A"])(request)
    origin = request.header("Origin")
    if origin:
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    return status, headers, body


def test_the_schema_copy_is_the_official_one():
    assert SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    # And it rejects what it should, so validating against it means something.
    validator = jsonschema.Draft4Validator(SCHEMA)
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"results": []}]})  # no tool
    assert not validator.is_valid({"version": "2.0.0", "runs": []})


@pytest.fixture
def reflecting(tls_target_server):
    tls_target_server.responder = reflecting_page
    return tls_target_server.url + "/"


def test_a_scan_as_sarif_is_valid_and_has_a_result_per_finding_that_is_not_a_pass(
    reflecting, ca_bundle
):
    as_json = json_lines(run_checker(reflecting, "--json", ca_bundle=ca_bundle).stdout)[0]
    result = run_checker(
        reflecting,
        "--format",
        "sarif",
        "--sarif-file-path",
        ".github/workflows/site.yml",
        ca_bundle=ca_bundle,
        env={"CORSCHECK_SITE_URL": "https://corscheck.example/"},
    )

    assert result.returncode == PASSED, result.stderr
    log = json.loads(result.stdout)
    assert_valid(log)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "corscheck"

    not_passes = [f for f in as_json["findings"] if f["severity"] != "pass"]
    assert [r["ruleId"] for r in run["results"]] == [f["id"] for f in not_passes]
    by_id = {result["ruleId"]: result for result in run["results"]}
    reflected = by_id["cors.reflect-origin-credentials"]
    assert reflected["level"] == "error"
    assert reflected["message"]["text"].startswith("Any origin is trusted")
    assert reflecting in reflected["message"]["text"]
    location = reflected["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".github/workflows/site.yml"
    assert location["region"]["startLine"] == 1
    assert reflected["partialFingerprints"]["primaryLocationLineHash"]

    rules = driver["rules"]
    rule = rules[reflected["ruleIndex"]]
    assert rule["id"] == "cors.reflect-origin-credentials"
    assert rule["shortDescription"]["text"] == "Any origin is trusted with credentials"
    assert rule["fullDescription"]["text"] == CATALOGUE[rule["id"]].meaning
    assert rule["helpUri"] == (
        "https://corscheck.example/glossary/mistake-reflected-origin-with-credentials/"
    )
    assert rule["help"]["text"] and rule["properties"]["security-severity"] == "9.5"


def test_the_rules_are_the_catalogue_with_a_glossary_link_each(reflecting, ca_bundle):
    log = json.loads(run_checker(reflecting, "--format=sarif", ca_bundle=ca_bundle).stdout)
    rules = log["runs"][0]["tool"]["driver"]["rules"]

    judged = [row.id for row in ROWS if row.severity is not Severity.PASS]
    assert [rule["id"] for rule in rules] == judged
    assert all(rule["helpUri"].startswith("http://localhost:8000/glossary/") for rule in rules)
    assert all(rule["shortDescription"]["text"] and rule["help"]["text"] for rule in rules)


@pytest.mark.parametrize(
    "severity, level",
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
        (Severity.INFO, "note"),
    ],
)
def test_levels_follow_severity(severity, level):
    assert LEVELS[severity] == level


def test_a_batch_is_one_run_and_what_was_not_judged_is_a_notification(
    reflecting, ca_bundle, target_server
):
    url = target_server.url
    target_server.stop()
    result = run_checker(reflecting, url, "--format", "sarif", ca_bundle=ca_bundle)

    assert result.returncode == NOT_JUDGED
    log = json.loads(result.stdout)
    assert_valid(log)
    [run] = log["runs"]
    assert {r["properties"]["target"] for r in run["results"]} == {reflecting}
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"].startswith(f"{url}: not judged (unreachable)")


def test_the_fingerprints_stay_the_same_from_one_run_to_the_next(reflecting, ca_bundle):
    def fingerprints():
        log = json.loads(run_checker(reflecting, "--format=sarif", ca_bundle=ca_bundle).stdout)
        return [r["partialFingerprints"] for r in log["runs"][0]["results"]]

    first = fingerprints()
    assert first == fingerprints()
    assert len({f["primaryLocationLineHash"] for f in first}) == len(first)


def test_on_github_actions_results_point_at_the_running_workflow():
    ref = "octo/site/.github/workflows/headers.yml@refs/pull/7/merge"
    assert default_file_path({"GITHUB_WORKFLOW_REF": ref}) == ".github/workflows/headers.yml"
    assert default_file_path({}) == ".github/workflows/corscheck.yml"
