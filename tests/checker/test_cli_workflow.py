"""The GitHub Actions example in docs/ is valid YAML, runs our command with options that exist,
uploads what the command writes, and its check step does what it says when run here."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker.cli import BELOW_THRESHOLD, PASSED, build_parser
from tests.checker.command_line import LADDER, assert_valid, page_with
from tests.conftest import LOOPBACK

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "github-actions-example.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(workflow: dict) -> list[dict]:
    [job] = workflow["jobs"].values()
    return job["steps"]


def check_step(workflow: dict) -> dict:
    [step] = [s for s in steps(workflow) if s.get("run", "").startswith("python -m checker")]
    return step


def test_it_runs_on_pull_requests_and_may_file_code_scanning_results(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert workflow["permissions"]["security-events"] == "write"


def test_its_check_step_is_our_command_with_options_that_exist(workflow):
    [job] = workflow["jobs"].values()
    words = shlex.split(check_step(workflow)["run"])
    assert words[:3] == ["python", "-m", "checker"] and words[-2] == ">"
    arguments = [word.replace("$MIN_GRADE", job["env"]["MIN_GRADE"]) for word in words[3:-2]]

    args = build_parser().parse_args(arguments)  # an option we do not have would exit 64

    assert args.fail_under == "B" and args.format == "sarif"
    assert args.sarif_file_path == ".github/workflows/corscheck.yml"
    assert args.targets_file == ".github/corscheck-targets.txt"
    [upload] = [s for s in steps(workflow) if "upload-sarif" in s.get("uses", "")]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == words[-1]
    assert "always()" in upload["if"]  # the findings are uploaded when the grade fails the job


@pytest.mark.parametrize("letter, code", [("A", PASSED), ("C", BELOW_THRESHOLD)])
def test_its_check_step_run_here_writes_valid_sarif_and_fails_below_the_grade(
    workflow, tls_target_server, ca_bundle, tmp_path, letter, code
):
    tls_target_server.responder = page_with(LADDER[letter])
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "corscheck-targets.txt").write_text(
        f"# the site\n{tls_target_server.url}/\n"
    )
    [job] = workflow["jobs"].values()
    env = {
        **os.environ,
        **job["env"],
        "CHECKER_ALLOW_NETWORKS": ",".join(LOOPBACK),
        "CHECKER_ALLOWED_PORTS": "1-65535",
        "CHECKER_CA_BUNDLE": ca_bundle,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    command = check_step(workflow)["run"].replace("python", shlex.quote(sys.executable), 1)

    result = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
    )

    assert result.returncode == code, result.stderr
    log = json.loads((tmp_path / "corscheck.sarif").read_text())
    assert_valid(log)
    [result_uri] = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert result_uri == ".github/workflows/corscheck.yml"
