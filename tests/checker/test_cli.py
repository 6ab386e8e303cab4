"""``python -m checker`` as a CI job runs it: a subprocess against real local HTTPS targets."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from checker.cli import BELOW_THRESHOLD, NOT_JUDGED, PASSED, USAGE, below, outcome
from checker.model import Report, Status, Target
from checker.scoring import LETTERS
from tests.checker.command_line import LADDER, json_lines, page_with, run_checker, tls_servers
from tests.targets import TargetServer


@pytest.fixture(scope="module")
def ladder(test_ca) -> dict[str, str]:
    """One HTTPS site per letter, A+ to F: letter -> URL."""
    with ExitStack() as stack:
        servers = tls_servers(stack, test_ca, len(LADDER))
        sites = {}
        for server, (letter, headers) in zip(servers, LADDER.items(), strict=True):
            server.responder = page_with(headers)
            sites[letter] = server.url + "/"
        yield sites


def test_each_site_gets_its_letter_and_reports_come_in_input_order(ladder, ca_bundle):
    result = run_checker("--json", *ladder.values(), ca_bundle=ca_bundle)

    assert result.returncode == PASSED, result.stderr  # no threshold: any grade passes
    rows = json_lines(result.stdout)
    assert [row["target"]["raw"] for row in rows] == list(ladder.values())
    assert [row["grade"] for row in rows] == list(LADDER)
    assert result.stderr == ""  # not a terminal: no progress bar, no table


def test_the_letters_are_ordered_from_a_plus_down_to_f():
    assert LETTERS == ("A+", "A", "B", "C", "D", "F")
    for i, grade in enumerate(LETTERS):
        for j, threshold in enumerate(LETTERS):
            assert below(grade, threshold) == (i > j), (grade, threshold)


@pytest.mark.parametrize("threshold", LETTERS)
def test_fail_under_passes_every_grade_down_to_it_and_fails_the_next_one(
    ladder, ca_bundle, threshold
):
    position = LETTERS.index(threshold)
    at_or_above = [ladder[letter] for letter in LETTERS[: position + 1]]
    result = run_checker(*at_or_above, "--fail-under", threshold, ca_bundle=ca_bundle)
    assert result.returncode == PASSED, result.stdout + result.stderr

    if threshold != "F":
        next_down = ladder[LETTERS[position + 1]]
        result = run_checker(next_down, "--fail-under", threshold, ca_bundle=ca_bundle)
        assert result.returncode == BELOW_THRESHOLD, result.stdout + result.stderr


def test_fail_under_takes_a_lower_case_letter(ladder, ca_bundle):
    result = run_checker(ladder["C"], "--fail-under", "b", ca_bundle=ca_bundle)
    assert result.returncode == BELOW_THRESHOLD


@pytest.fixture
def stopped_server():
    server = TargetServer().start()
    server.stop()
    return server


def redirect_loop(request):
    return 302, [("Location", "/again" if request.path == "/" else "/")], b""


@pytest.mark.parametrize(
    "case, status",
    [
        ("unreachable", "unreachable"),
        ("refused", "refused"),
        ("invalid", "invalid"),
        ("redirect loop", "redirects"),
    ],
)
def test_a_target_that_cannot_be_judged_exits_2(case, status, target_server, stopped_server):
    target_server.responder = redirect_loop
    if case == "unreachable":
        result = run_checker(stopped_server.url, "--json", "--fail-under", "F")
    elif case == "refused":  # loopback without the opt-in: our own guard says no
        result = run_checker(target_server.url, "--json", loopback=False)
        assert target_server.requests == []
    elif case == "invalid":
        result = run_checker("javascript:alert(1)", "--json")
    else:
        result = run_checker(target_server.url + "/", "--json")

    assert result.returncode == NOT_JUDGED, result.stdout + result.stderr
    [row] = json_lines(result.stdout)
    assert row["status"] == status and row["message"]
    assert row["grade"] is None


def test_an_error_of_the_engine_is_not_judged_either():
    target = Target(
        raw="https://example.com/", scheme="https", host="example.com", port=443, path="/"
    )
    assert outcome(Report(target, Status.ERROR, "a bug of ours"), None) == NOT_JUDGED
    assert outcome(Report(target, Status.OK, grade="C", score=70), "B") == BELOW_THRESHOLD
    assert outcome(Report(target, Status.OK, grade="B", score=80), "B") == PASSED


@pytest.mark.parametrize(
    "args, says",
    [
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["--fail-under", "Z"], "'Z' is not a grade: give one of A+, A, B, C, D, F"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--profile", "desktop"], "invalid choice: 'desktop'"),
        (["--concurrency", "0"], "give a whole number from 1 to 100"),
        (["--header", "Bearer TOKEN-NO-NAME-31"], "--header: A header has no colon"),
        (["--header", ": TOKEN-NO-NAME-31"], "--header: A header needs a name before its colon"),
        (["--header", "Host: TOKEN-NO-NAME-31"], "The Host header cannot be given"),
        (["--targets-file", "/nonexistent/targets.txt"], "--targets-file /nonexistent/"),
        (["--site-url", "ftp://example.com"], "give an http:// or https:// address"),
    ],
)
def test_a_wrong_command_line_exits_64_with_a_sentence(args, says, target_server):
    result = run_checker(target_server.url, *args)

    assert result.returncode == USAGE, result.stderr
    assert says in result.stderr
    assert result.stderr.startswith("usage: python -m checker")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "TOKEN-NO-NAME-31" not in result.stderr  # a value pasted without its name is a secret
    assert target_server.requests == []


def test_no_target_at_all_is_a_usage_error():
    result = run_checker()
    assert result.returncode == USAGE
    assert "give a URL to check, or --targets-file FILE" in result.stderr


def test_help_documents_the_exit_codes():
    result = run_checker("--help")
    assert result.returncode == 0
    for line in ("0   every target was judged", "1   a target's grade is below", "64  the"):
        assert line in result.stdout
    assert "2 over 1 over 0" in result.stdout


@pytest.mark.parametrize(
    "letters, stopped, expected",
    [
        (["A+", "F"], False, BELOW_THRESHOLD),
        (["F", "A+"], True, NOT_JUDGED),
        (["A+"], True, NOT_JUDGED),
        (["A+", "B"], False, PASSED),
    ],
)
def test_with_several_targets_the_worst_outcome_wins(
    ladder, ca_bundle, stopped_server, letters, stopped, expected
):
    targets = [ladder[letter] for letter in letters]
    if stopped:
        targets.insert(1, stopped_server.url)
    result = run_checker("--json", "--fail-under", "B", *targets, ca_bundle=ca_bundle)

    assert result.returncode == expected, result.stdout + result.stderr
    assert [row["target"]["raw"] for row in json_lines(result.stdout)] == targets


def test_json_lines_keep_input_order_when_the_first_target_is_the_slowest(ladder, ca_bundle):
    def slow_page(request):
        if request.header("Origin") is None and request.method == "GET":
            time.sleep(1.5)  # the main page only, so its scan ends long after the others
        return page_with(LADDER["B"])(request)

    with TargetServer() as slow:
        slow.responder = slow_page
        targets = [slow.url + "/", ladder["A+"], ladder["F"]]
        result = run_checker("--json", *targets, ca_bundle=ca_bundle)

    assert result.returncode == PASSED, result.stderr
    rows = json_lines(result.stdout)
    assert [row["target"]["raw"] for row in rows] == targets
    assert [row["grade"] for row in rows[1:]] == ["A+", "F"]


def test_one_target_prints_one_json_line_with_the_catalogue_titles(ladder, ca_bundle):
    result = run_checker(ladder["C"], "--json", ca_bundle=ca_bundle)

    [line] = result.stdout.splitlines()
    [row] = json_lines(line)
    missing = next(f for f in row["findings"] if f["id"] == "csp.missing")
    assert missing["catalogue_title"] == "No Content-Security-Policy"
    assert missing["area"] == "csp" and missing["area_title"] == "Content Security Policy"
    assert missing["meaning"]
    # What we saw, in one sentence with this site's own values, for every finding.
    assert all(f["observed"].endswith(".") for f in row["findings"])
    assert "Content-Security-Policy" in missing["observed"]


def test_targets_come_from_a_file_with_comments_and_blank_lines(ladder, ca_bundle, tmp_path):
    listed = tmp_path / "targets.txt"
    listed.write_text(f"# our sites\n{ladder['A']}\n\n   {ladder['D']}  \n# {ladder['F']}\n")

    result = run_checker("--json", "--targets-file", str(listed), ca_bundle=ca_bundle)

    assert result.returncode == PASSED, result.stderr
    assert [row["grade"] for row in json_lines(result.stdout)] == ["A", "D"]


def test_targets_come_from_standard_input_after_the_arguments(ladder, ca_bundle):
    result = run_checker(
        ladder["B"],
        "--json",
        "--targets-file",
        "-",
        stdin=f"{ladder['C']}\n# skipped\n{ladder['A+']}\n",
        ca_bundle=ca_bundle,
    )

    assert result.returncode == PASSED, result.stderr
    assert [row["grade"] for row in json_lines(result.stdout)] == ["B", "C", "A+"]


SECRET = "Bearer SECRET-cli-7f3a9"


@pytest.mark.parametrize("output", ["--json", "--format=text", "--format=sarif"])
def test_a_header_is_sent_and_its_value_never_printed(tls_target_server, ca_bundle, output):
    tls_target_server.responder = page_with(LADDER["B"])
    result = run_checker(
        tls_target_server.url + "/",
        output,
        "--header",
        f"Authorization: {SECRET}",
        "--header",
        "X-Api-Key:key-SECRET-2",
        ca_bundle=ca_bundle,
    )

    assert result.returncode == PASSED, result.stderr
    main_request = tls_target_server.requests[0]
    assert main_request.header("Authorization") == SECRET
    assert main_request.header("X-Api-Key") == "key-SECRET-2"
    assert "SECRET" not in result.stdout + result.stderr
    if output == "--json":
        [row] = json_lines(result.stdout)
        assert set(row["request_headers"]) == {"Authorization", "X-Api-Key"}


def test_a_header_the_engine_cannot_send_is_a_usage_error_that_does_not_quote_it(
    target_server,
):
    result = run_checker(target_server.url, "--header", "X-Key: one\ntwo-SECRET-3")

    assert result.returncode == USAGE, result.stderr
    assert "X-Key" in result.stderr and "SECRET-3" not in result.stderr
    assert target_server.requests == []


def test_a_bad_setting_of_ours_exits_2_and_names_the_variable(target_server):
    result = run_checker(target_server.url, env={"CHECKER_ALLOWED_PORTS": "80-http"})

    assert result.returncode == NOT_JUDGED
    assert "CHECKER_ALLOWED_PORTS: '80-http' is not a port" in result.stderr
    assert target_server.requests == []
