"""The explainer reads console messages as people paste them: the rule, the URL and the origin.

The lines are the browsers' own: Chromium's as tests/conformance measured them (the wording in
checker/simulate.py), Firefox's and Safari's as the conformance suites recorded them from
firefox-esr and WebKit, with the test servers' addresses replaced by the kind of names people
paste; the rows marked "older" are wordings earlier releases print.
"""

from __future__ import annotations

import pytest

from checker.explain import (
    CHROMIUM,
    DOCUMENTED,
    FIREFOX,
    FIXES,
    PATTERNS,
    RECORDED,
    SAFARI,
    explain,
    fix_for,
    glossary_for,
    looks_like_console_message,
    origin_of,
)
from checker.glossary import get_entry
from checker.simulate import CONSOLE_NET_ERRORS, CONSOLE_REASONS, EXPLANATIONS, console_line

API = "https://api.shop.example/v1/orders"
APP = "https://www.shop.example"
FF = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at"
FF_CLOSING = f"{FF} {API}. (Reason: CORS request did not succeed). Status code: (null)."
CR = f"Access to fetch at '{API}' from origin '{APP}' has been blocked by CORS policy: "
CR_PRE = CR + "Response to preflight request doesn't pass access control check: "
NET = "Failed to load resource: net::ERR_FAILED"
WK_CLOSING = f"Fetch API cannot load {API} due to access control checks."

# (browser, message as pasted, failure id, url, origin, extra facts)
MESSAGES = [
    # --- Chromium
    (
        CHROMIUM,
        CR + "No 'Access-Control-Allow-Origin' header is present on the requested resource.\n"
        f"GET {API} net::ERR_FAILED 200 (OK)",
        "allow-origin-missing",
        API,
        APP,
        {"method": "GET", "status": 200},
    ),
    (
        CHROMIUM,
        CR + "No 'Access-Control-Allow-Origin' header is present on the requested resource. If an"
        " opaque response serves your needs, set the request's mode to 'no-cors' to fetch the"
        f" resource with CORS disabled.\n{NET}",
        "allow-origin-missing",
        API,
        APP,
        {},
    ),
    (
        CHROMIUM,
        CR_PRE + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
        "allow-origin-missing",
        API,
        APP,
        {"preflight": True},
    ),
    (
        CHROMIUM,
        f"Access to XMLHttpRequest at '{API}' from origin '{APP}' has been blocked by CORS policy:"
        " The 'Access-Control-Allow-Origin' header has a value 'https://shop.example' that is not"
        " equal to the supplied origin. Have the server send the header with a valid value.",
        "allow-origin-mismatch",
        API,
        APP,
        {"value": "https://shop.example"},
    ),
    (
        CHROMIUM,
        CR + "The 'Access-Control-Allow-Origin' header contains multiple values"
        f" '{APP}, https://admin.shop.example', but only one is allowed. Have the server send the"
        f" header with a valid value.\n{NET}",
        "allow-origin-multiple",
        API,
        APP,
        {"value": f"{APP}, https://admin.shop.example"},
    ),
    (
        CHROMIUM,
        CR + "The 'Access-Control-Allow-Origin' header contains the invalid value 'shop.example'."
        " Have the server send the header with a valid value.",
        "allow-origin-invalid",
        API,
        APP,
        {"value": "shop.example"},
    ),
    (
        CHROMIUM,
        CR + "The value of the 'Access-Control-Allow-Origin' header in the response must not be"
        " the wildcard '*' when the request's credentials mode is 'include'.",
        "allow-origin-wildcard-credentials",
        API,
        APP,
        {},
    ),
    (
        CHROMIUM,
        CR + "The value of the 'Access-Control-Allow-Credentials' header in the response is ''"
        " which must be 'true' when the request's credentials mode is 'include'.",
        "allow-credentials",
        API,
        APP,
        {},
    ),
    (
        CHROMIUM,
        CR_PRE + f"It does not have HTTP ok status.\nOPTIONS {API} net::ERR_FAILED 401"
        " (Unauthorized)",
        "preflight-status",
        API,
        APP,
        {"method": "OPTIONS", "status": 401, "preflight": True},
    ),
    (
        CHROMIUM,
        CR_PRE + "Redirect is not allowed for a preflight request.",
        "preflight-redirect",
        API,
        APP,
        {"preflight": True},
    ),
    (
        CHROMIUM,
        CR + "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
        "preflight-method-not-allowed",
        API,
        APP,
        {"method": "PUT"},
    ),
    (
        CHROMIUM,
        CR + "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in"
        f" preflight response.\n{NET}",
        "preflight-header-not-allowed",
        API,
        APP,
        {"header": "x-api-key"},
    ),
    (
        CHROMIUM,
        CR + "Request header field authorization is not allowed by Access-Control-Allow-Headers"
        " in preflight response.",
        "preflight-header-not-allowed",
        API,
        APP,
        {"header": "authorization", "alternatives": ("preflight-authorization-not-listed",)},
    ),
    (
        CHROMIUM,
        CR + "Cannot parse Access-Control-Allow-Headers response header field in preflight"
        " response.",
        "preflight-allow-headers-invalid",
        API,
        APP,
        {},
    ),
    (
        CHROMIUM,
        f"Access to fetch at 'https://login.shop.example/sso' (redirected from '{API}') from"
        f" origin '{APP}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header"
        " is present on the requested resource.",
        "allow-origin-missing",
        "https://login.shop.example/sso",
        APP,
        {},
    ),
    (
        CHROMIUM,
        f"GET {API} net::ERR_TOO_MANY_REDIRECTS\nUncaught (in promise) TypeError: Failed to fetch",
        "redirect-limit",
        API,
        None,
        {"method": "GET"},
    ),
    (
        CHROMIUM,
        f"Mixed Content: The page at '{APP}/cart' was loaded over HTTPS, but requested an insecure"
        " resource 'http://api.shop.example/v1/orders'. This request has been blocked; the content"
        " must be served over HTTPS.",
        "mixed-content",
        "http://api.shop.example/v1/orders",
        None,
        {},
    ),
    (
        CHROMIUM,  # copied with the console's source link in front, from a sandboxed page
        f"(index):1 Access to fetch at '{API}' from origin 'null' has been blocked by CORS policy:"
        " No 'Access-Control-Allow-Origin' header is present on the requested resource.\n"
        f"app.js:12  GET {API} net::ERR_FAILED 404 (Not Found)",
        "allow-origin-missing",
        API,
        "null",
        {"method": "GET", "status": 404},
    ),
    # --- Firefox
    (
        FIREFOX,  # with the console's "[Learn More]" link
        f"{FF} {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code:"
        " 403. [Learn More]",
        "allow-origin-missing",
        API,
        None,
        {"status": 403},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code:"
        f" 200.\n{FF_CLOSING}",
        "allow-origin-missing",
        API,
        None,
        {"status": 200},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code:"
        " 500.",  # straight quotes, as some pages print it
        "allow-origin-missing",
        API,
        None,
        {"status": 500},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘{APP}/’).",
        "allow-origin-mismatch",
        API,
        None,
        {"value": f"{APP}/"},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match"
        " ‘shop.example’).",
        "allow-origin-invalid",
        API,
        None,
        {"value": "shop.example"},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).",
        "allow-origin-multiple",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        f"{FF} ‘{API}’. (Reason: Credential is not supported if the CORS header"
        " ‘Access-Control-Allow-Origin’ is ‘*’).",
        "allow-origin-wildcard-credentials",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."
        f"\n{FF_CLOSING}",
        "allow-credentials",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS preflight response did not succeed). Status code: 405.\n"
        + FF_CLOSING,
        "preflight-status",
        API,
        None,
        {"status": 405},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: CORS request external redirect not allowed).\n{FF} {API}. (Reason:"
        f" CORS preflight response did not succeed). Status code: 302.\n{FF_CLOSING}",
        "preflight-redirect",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
        "preflight-method-not-allowed",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: header ‘x-api-key’ is not allowed according to header"
        " ‘Access-Control-Allow-Headers’ from CORS preflight response).",
        "preflight-header-not-allowed",
        API,
        None,
        {"header": "x-api-key"},
    ),
    (
        FIREFOX,  # older
        f"{FF} {API}. (Reason: missing token ‘content-type’ in CORS header"
        " ‘Access-Control-Allow-Headers’ from CORS preflight channel).",
        "preflight-header-not-allowed",
        API,
        None,
        {"header": "content-type", "source": DOCUMENTED},
    ),
    (
        FIREFOX,
        f"{FF} {API}. (Reason: invalid token ‘PUT GET’ in CORS header"
        " ‘Access-Control-Allow-Methods’).",
        "preflight-allow-methods-invalid",
        API,
        None,
        {"value": "PUT GET"},
    ),
    (
        FIREFOX,
        FF_CLOSING,
        "no-response",
        API,
        None,
        {},
    ),
    (
        FIREFOX,
        "Blocked loading mixed active content “http://api.shop.example/v1/orders”\n" + FF_CLOSING,
        "mixed-content",
        "http://api.shop.example/v1/orders",
        None,
        {},
    ),
    # --- Safari
    (
        SAFARI,
        f"[Error] Origin {APP} is not allowed by Access-Control-Allow-Origin. Status code: 200\n"
        f"[Error] {WK_CLOSING}\n[Error] Failed to load resource: Origin {APP} is not allowed by"
        " Access-Control-Allow-Origin. Status code: 200 (orders, line 0)",
        "allow-origin-missing",
        API,
        APP,
        {"status": 200, "alternatives": ("allow-origin-mismatch", "allow-origin-invalid")},
    ),
    (
        SAFARI,
        f"Preflight response is not successful. Status code: 403\n{WK_CLOSING}",
        "preflight-status",
        API,
        None,
        {"status": 403, "alternatives": ("preflight-redirect",)},
    ),
    (
        SAFARI,
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.\n"
        + WK_CLOSING,
        "allow-origin-wildcard-credentials",
        API,
        None,
        {},
    ),
    (
        SAFARI,
        f'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".\n'
        f"{WK_CLOSING}",
        "allow-credentials",
        API,
        None,
        {},
    ),
    (
        SAFARI,
        f"Request header field X-Api-Key is not allowed by Access-Control-Allow-Headers.\n"
        f"{WK_CLOSING}",
        "preflight-header-not-allowed",
        API,
        None,
        {"header": "X-Api-Key"},
    ),
    (
        SAFARI,
        f"[Error] Method PUT is not allowed by Access-Control-Allow-Methods.\n[Error] {WK_CLOSING}",
        "preflight-method-not-allowed",
        API,
        None,
        {"method": "PUT"},
    ),
    (
        SAFARI,
        f"Access-Control-Allow-Origin cannot contain more than one origin.\n{WK_CLOSING}",
        "allow-origin-multiple",
        API,
        None,
        {},
    ),
    (
        SAFARI,
        f"Header Access-Control-Allow-Headers has an invalid value: x-a;\n{WK_CLOSING}",
        "preflight-allow-headers-invalid",
        API,
        None,
        {"value": "x-a;"},
    ),
    (
        SAFARI,
        f"Load cannot follow more than 20 redirections\n{WK_CLOSING}",
        "redirect-limit",
        API,
        None,
        {},
    ),
    (
        SAFARI,
        f"XMLHttpRequest cannot load {API} due to access control checks.\n"
        f"Origin {APP} is not allowed by Access-Control-Allow-Origin.",  # older, no status
        "allow-origin-missing",
        API,
        APP,
        {"alternatives": ("allow-origin-mismatch", "allow-origin-invalid")},
    ),
]


def test_the_table_covers_three_browsers_with_at_least_thirty_messages():
    assert len(MESSAGES) >= 30
    for browser in (CHROMIUM, FIREFOX, SAFARI):
        assert sum(row[0] == browser for row in MESSAGES) >= 10


@pytest.mark.parametrize(
    ("browser", "message", "reason", "url", "origin", "facts"),
    MESSAGES,
    ids=[f"{row[0]}-{row[2]}-{index}" for index, row in enumerate(MESSAGES)],
)
def test_a_pasted_message_names_its_rule_url_and_origin(
    browser, message, reason, url, origin, facts
):
    found = explain(message)

    assert found.reason == reason
    assert found.browser == browser
    assert found.url == url
    assert found.origin == origin
    assert found.source == facts.get("source", RECORDED)
    assert found.alternatives == facts.get("alternatives", ())
    for name in ("method", "header", "value", "status"):
        assert getattr(found, name) == facts.get(name), name
    assert found.preflight == facts.get("preflight", reason.startswith("preflight-"))
    assert found.glossary is not None and get_entry(found.glossary) is not None


def test_only_the_reason_is_enough():
    found = explain("It does not have HTTP ok status")
    assert (found.reason, found.url, found.origin) == ("preflight-status", None, None)
    found = explain(
        "Response to preflight request doesn't pass access control check: No"
        " 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert (found.reason, found.preflight) == ("allow-origin-missing", True)
    found = explain("Response for preflight has invalid HTTP status code 405")  # Chrome 69
    assert (found.reason, found.status, found.source) == ("preflight-status", 405, DOCUMENTED)


def test_text_that_is_not_a_console_message_names_no_rule():
    assert not explain("my fetch does not work, please help").found
    assert not explain("").found
    assert not looks_like_console_message(NET)
    assert looks_like_console_message(CR + "It does not have HTTP ok status.")


def test_a_safari_summary_alone_gives_the_url_but_no_rule():
    found = explain(WK_CLOSING)
    assert (found.reason, found.browser, found.url) == (None, SAFARI, API)


def test_huge_pasted_text_is_read_only_up_to_its_limit():
    found = explain("x" * 100_000 + "\n" + CR + "It does not have HTTP ok status.")
    assert not found.found
    found = explain(CR + "It does not have HTTP ok status.\n" + "y" * 100_000)
    assert found.reason == "preflight-status"


def test_every_row_of_the_table_says_where_its_wording_comes_from():
    assert {pattern.source for pattern in PATTERNS} == {RECORDED, DOCUMENTED}
    assert {pattern.browser for pattern in PATTERNS} == {CHROMIUM, FIREFOX, SAFARI}


def test_every_chromium_reason_the_simulator_knows_is_in_the_table():
    chromium = {reason for p in PATTERNS if p.browser == CHROMIUM for reason in p.reasons}
    assert set(CONSOLE_REASONS) - {"preflight-authorization-not-listed"} <= chromium


def test_every_reason_in_the_table_has_a_fix_and_a_simulator_explanation():
    for pattern in PATTERNS:
        for reason in pattern.reasons:
            assert reason in EXPLANATIONS, reason
            assert reason in FIXES, reason


def test_the_fix_names_the_users_own_host_and_origin():
    found = explain(
        CR + "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    fix = fix_for(found)
    assert "api.shop.example" in fix.text
    assert fix.snippet == f"Access-Control-Allow-Origin: {APP}\nVary: Origin"
    # Firefox names no origin; the form's origin fills it in.
    found = explain(f"{FF} {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing).")
    assert f"Access-Control-Allow-Origin: {APP}" in fix_for(found, origin=APP).snippet
    fix = fix_for(
        explain(
            f"Request header field X-Api-Key is not allowed by Access-Control-Allow"
            f"-Headers.\n{WK_CLOSING}"
        )
    )
    assert "Access-Control-Allow-Headers: X-Api-Key" in fix.snippet


def test_the_preflights_own_method_is_not_the_one_the_fix_allows():
    found = explain(CR_PRE + f"It does not have HTTP ok status.\nOPTIONS {API} net::ERR_FAILED 405")
    assert found.method == "OPTIONS"
    assert "Access-Control-Allow-Methods: PUT" in fix_for(found).snippet


def test_the_glossary_entry_comes_from_the_simulator():
    assert glossary_for("allow-origin-missing") == "error-no-allow-origin-header"
    assert glossary_for("redirect-limit") == "cors"  # the simulator names no entry for it
    assert glossary_for("not-a-reason") is None


def test_origin_of_a_url():
    assert origin_of("https://API.shop.example:8443/x?y") == "https://api.shop.example:8443"
    assert origin_of("ftp://x") is None
    assert origin_of(None) is None


# --- Every line the browsers were recorded printing is recognised -------------------------------

HINTS = {
    "allow-origin-invalid": "shop.example",
    "allow-origin-mismatch": "https://other.example",
    "allow-origin-multiple": f"{APP}, https://other.example",
    "allow-credentials": "false",
    "preflight-method-not-allowed": "PUT",
    "preflight-header-not-allowed": "x-api-key",
    "preflight-authorization-not-listed": "authorization",
    "preflight-allow-methods-invalid": "PUT GET",
    "preflight-allow-headers-invalid": "x-a;",
    "mixed-content": f"{APP}/cart",
    "local-network-access-insecure": "local",
    "local-network-access-denied": "local",
}
# Firefox prints only its closing line for these: the rule is not in the message.
FIREFOX_SILENT = {"redirect-credentials", "redirect-invalid-location", "redirect-limit"}


class Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def recorded_lines():
    from checker.browser_console import RECORDED as WORDING

    for engine, wording in sorted(WORDING.items()):
        for key, template in sorted(wording.reasons.items()):
            reason = key.rpartition(":")[2]
            url = "http://api.shop.example/v1/orders" if reason == "mixed-content" else API
            values = Blank(
                url=url,
                initial_url=url,
                origin=APP,
                sent_origin=APP,
                hint=HINTS.get(reason, ""),
                bad_item=HINTS.get(reason, ""),
                header="X-Api-Key",
                status="403",
                location="https://login.shop.example/sso",
                raw_location="https://login.shop.example/sso",
            )
            yield pytest.param(
                engine, reason, url, template.format_map(values), id=f"{engine}-{key}"
            )


@pytest.mark.parametrize(("engine", "reason", "url", "message"), recorded_lines())
def test_every_recorded_firefox_and_webkit_line_names_its_rule(engine, reason, url, message):
    found = explain(message)

    assert found.browser == {"firefox": FIREFOX, "webkit": SAFARI}[engine]
    if engine == "firefox" and reason in FIREFOX_SILENT:
        assert found.reason == "no-response"
    else:
        assert reason in (found.reason, *found.alternatives)
    if url in message:
        assert found.url == url


@pytest.mark.parametrize("reason", [*CONSOLE_REASONS, *CONSOLE_NET_ERRORS])
def test_every_chromium_line_the_simulator_writes_names_its_rule(reason):
    line = console_line(reason, url=API, initial_url=API, origin=APP, hint=HINTS.get(reason, ""))
    found = explain(line)

    assert found.browser == CHROMIUM
    assert reason in (found.reason, *found.alternatives)
    if reason not in CONSOLE_NET_ERRORS:
        assert (found.url, found.origin) == (API, APP)
