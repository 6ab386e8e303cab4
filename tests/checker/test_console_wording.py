"""checker/console_wording.py: templates render and recognise the lines the browsers print.

The templates are checker/browser_console.json's, the table the simulator reads, split into lines.
"""

import json

from checker.browser_console import RECORDED
from checker.console_wording import FOLLOW_UP, SCRIPT_ERROR, WORDING, line_reasons, render
from tests.conformance.record import DATA


def test_render_fills_the_placeholders() -> None:
    [line] = render("webkit", "preflight-method-not-allowed", hint="PUT")
    assert line == "Method PUT is not allowed by Access-Control-Allow-Methods."
    [line] = render("firefox", "allow-origin-missing", url="https://api.example/x", status="200")
    assert line.endswith(
        "at https://api.example/x. (Reason: CORS header"
        " ‘Access-Control-Allow-Origin’ missing). Status code: 200."
    )


def test_a_line_is_recognised_by_its_reason_and_nothing_else_matches() -> None:
    line = "Request header field X-Api-Key is not allowed by Access-Control-Allow-Headers."
    assert line_reasons("webkit", line) == ["preflight-header-not-allowed"]
    assert line_reasons("webkit", "Something else entirely.") == []
    assert line_reasons("firefox", line) == []


def test_a_long_line_cut_short_still_counts_but_a_short_fragment_does_not() -> None:
    [whole, _] = render(
        "webkit",
        "mixed-content",
        hint="https://app.example/page",
        url="http://api.example/" + "a" * 60,
    )
    assert line_reasons("webkit", whole[:-25]) == ["mixed-content"]
    assert line_reasons("webkit", "[blocked] The page at") == []


def test_every_recorded_line_has_a_template() -> None:
    data = json.loads(DATA.read_text())
    for engine in WORDING:
        for row in data[engine]["rows"].values():
            for line in row["console"]:
                assert line_reasons(engine, line), (engine, line)
            if row["error"] in SCRIPT_ERROR.values():
                assert row["error"] == SCRIPT_ERROR[engine]


def test_the_lines_are_the_simulators_table_split_and_the_closing_line_is_shared() -> None:
    assert FOLLOW_UP["firefox"] == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote"
        " resource at {initial_url}. (Reason: CORS request did not succeed). Status code: (null).",
    )
    assert "Fetch API cannot load {url} due to access control checks." in FOLLOW_UP["webkit"]
    for engine, table in WORDING.items():
        for key, template in RECORDED[engine].reasons.items():
            for line in template.split("\n"):
                assert line in FOLLOW_UP[engine] or line in table[key.rpartition(":")[2]]
    assert {engine: RECORDED[engine].script_errors["*"] for engine in WORDING} == SCRIPT_ERROR
