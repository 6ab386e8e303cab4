"""One verdict per browser, and the simulator's known gaps closed, on hand-built answers.

Each browser profile (Chromium, Firefox, WebKit) is data in checker/simulate.py; these tests pin
what each profile does where the engines part ways (Access-Control-Max-Age, '*' and
Authorization, Local Network Access), and the three gaps of issue 11 item 5: Authorization on a
cross-origin redirect, the address spaces of page and target, and the preflight cache.
"""

from __future__ import annotations

import dataclasses

import pytest

from checker import browser_console
from checker.live import LiveSimulation, _verdict
from checker.model import Response
from checker.simulate import (
    BROWSERS,
    CHROMIUM,
    CONSOLE_WORDING,
    FIREFOX,
    PROFILES,
    STANDARD,
    WEBKIT,
    Hop,
    MaxAge,
    SimRequest,
    _simulate,
    address_space,
    recorded,
    replay,
    simulate,
    simulate_response,
)

APP = "https://app.example"
API = "https://api.example/items"
STAR = ("Access-Control-Allow-Origin", "*")
EXACT = ("Access-Control-Allow-Origin", APP)
CRED = ("Access-Control-Allow-Credentials", "true")
BEARER = (("Authorization", "Bearer t"),)


def answer(*headers: tuple[str, str], status: int = 200) -> Response:
    return Response(status, tuple(headers))


def allowing(*headers: tuple[str, str], max_age: str | None = None) -> Response:
    extra = () if max_age is None else (("Access-Control-Max-Age", max_age),)
    return Response(204, (*headers, *extra))


def request(**kwargs) -> SimRequest:
    kwargs.setdefault("origin", APP)
    kwargs.setdefault("url", API)
    return SimRequest(**kwargs)


def names(verdict) -> list[str]:
    return [step.name for step in verdict.steps]


def kinds(verdict) -> list[tuple[int, str]]:
    return [(out.hop, out.kind) for out in verdict.sent]


# --- one verdict per browser -----------------------------------------------------------------


def test_every_request_gets_a_verdict_from_each_browser_and_the_standard():
    verdict = simulate_response(request(), answer(STAR))
    assert verdict.rules == "standard"
    assert [browser.rules for browser in verdict.browsers] == ["chromium", "firefox", "webkit"]
    assert verdict.chromium is verdict.browsers[0]
    assert verdict.firefox.rules == "firefox" and verdict.webkit.rules == "webkit"
    assert verdict.browser("opera") is None
    assert verdict.webkit.label == "Safari (WebKit)"
    assert verdict.engines_agree and verdict.browsers_agree
    assert verdict.allowed_in == ("chromium", "firefox", "webkit") and verdict.blocked_in == ()


def test_the_profiles_are_data_the_algorithm_reads():
    assert BROWSERS == (CHROMIUM, FIREFOX, WEBKIT)
    assert set(PROFILES) == {"standard", "chromium", "firefox", "webkit"}
    assert [rules.max_age.cap for rules in BROWSERS] == [7200, 86400, 600]
    assert STANDARD.max_age.cap is None
    # A profile that says otherwise changes the verdict, without code that names a browser.
    strict = dataclasses.replace(CHROMIUM, wildcard_covers_authorization=False)
    assert strict.name == "chromium" and not strict.wildcard_covers_authorization


def test_star_covers_authorization_in_every_browser_but_not_in_the_standard():
    verdict = simulate_response(
        request(headers=BEARER),
        answer(STAR),
        allowing(STAR, ("Access-Control-Allow-Headers", "*")),
    )
    assert verdict.failure.id == "preflight-authorization-not-listed"
    assert all(browser.allowed for browser in verdict.browsers)
    assert not verdict.browsers_agree and verdict.engines_agree
    assert any("cover authorization" in note for note in verdict.firefox.notes)


def test_firefox_warns_when_star_covers_authorization(monkeypatch):
    wording = browser_console.ConsoleWording(
        "firefox",
        reasons={"allow-origin-missing": "blocked {url}"},
        warnings={"wildcard-authorization": "Warning: {url} from {origin} uses '*'"},
    )
    monkeypatch.setitem(CONSOLE_WORDING, "firefox", wording)
    verdict = simulate_response(
        request(headers=BEARER), answer(STAR), allowing(STAR, ("Access-Control-Allow-Headers", "*"))
    )
    assert verdict.firefox.console_warnings == (f"Warning: {API} from {APP} uses '*'",)
    assert verdict.webkit.console_warnings == ()  # WebKit allows it without a word
    assert verdict.chromium.console_warnings == ()


def test_a_browser_whose_wording_is_not_recorded_gives_no_console_line(monkeypatch):
    monkeypatch.setitem(CONSOLE_WORDING, "webkit", browser_console.ConsoleWording("webkit"))
    verdict = simulate_response(request(), answer())
    assert verdict.chromium.console_message.endswith(
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert verdict.webkit.console_message is None and verdict.webkit.script_error is None
    assert verdict.webkit.failure.id == "allow-origin-missing"


def test_recorded_wording_fills_url_origin_hint_and_status(monkeypatch):
    wording = browser_console.ConsoleWording(
        "webkit",
        reasons={
            "allow-origin-mismatch": "Origin {origin} is not allowed ({hint}). Status: {status}",
            "preflight:preflight-status": "Preflight response not successful. Status: {status}",
        },
        script_errors={"*": "TypeError: Load failed"},
    )
    monkeypatch.setitem(CONSOLE_WORDING, "webkit", wording)
    wrong = ("Access-Control-Allow-Origin", "https://evil.example")
    verdict = simulate_response(request(), answer(wrong, status=201))
    assert verdict.webkit.console_message == (
        f"Origin {APP} is not allowed (https://evil.example). Status: 201"
    )
    assert verdict.webkit.script_error == "TypeError: Load failed"
    assert verdict.chromium.script_error == "TypeError: Failed to fetch"
    failed = simulate_response(request(method="PUT"), answer(STAR), allowing_status(405))
    assert failed.webkit.console_message == "Preflight response not successful. Status: 405"


def allowing_status(status: int) -> Response:
    return Response(status, (STAR,))


def test_the_wording_file_loads_each_engine(tmp_path):
    data = tmp_path / "wording.json"
    data.write_text(
        '{"_about": "x", "firefox": {"recorded_with": "Firefox 153", "reasons": {"a": "b {url}"}}}'
    )
    tables = browser_console.load(data)
    assert set(tables) == {"firefox"}
    assert tables["firefox"].recorded_with == "Firefox 153" and tables["firefox"].recorded
    line = tables["firefox"].failure("a", url="u", initial_url="u", origin="o")
    assert line == "b u"
    assert browser_console.load(tmp_path / "missing.json") == {}


# --- Access-Control-Max-Age and the preflight cache -----------------------------------------


@pytest.mark.parametrize(
    ("raw", "chromium", "firefox", "webkit", "standard"),
    [
        (None, 5, 5, 5, 5),
        ("600", 600, 600, 600, 600),
        ("86400", 7200, 86400, 600, 86400),
        ("100000", 7200, 86400, 600, 100000),
        ("0", 0, 0, 0, 0),
        ("-1", 0, 0, 0, 5),
        ("ten", 5, 0, 5, 5),
        ("60.5", 5, 0, 5, 5),
        ("5, 10", 5, 0, 5, 5),
    ],
)
def test_each_browser_keeps_a_preflight_for_its_own_time(raw, chromium, firefox, webkit, standard):
    verdict = simulate_response(
        request(method="PUT"),
        answer(STAR),
        allowing(STAR, ("Access-Control-Allow-Methods", "PUT"), max_age=raw),
    )
    kept = {v.rules: v.preflight_cache[0].seconds for v in (verdict, *verdict.browsers)}
    assert kept == {
        "chromium": chromium,
        "firefox": firefox,
        "webkit": webkit,
        "standard": standard,
    }
    assert verdict.chromium.preflight_cache[0].max_age == raw


def test_max_age_says_why_in_words():
    assert MaxAge(cap=600).seconds("86400") == (
        600,
        "the server asked for 86400 s, capped at 600 s",
    )
    assert MaxAge().seconds(None)[0] == 5
    assert "negative" in MaxAge(negative=0).seconds("-5")[1]


def put(max_age: str | None = "600", *extra: tuple[str, str]) -> Response:
    return allowing(STAR, ("Access-Control-Allow-Methods", "PUT"), *extra, max_age=max_age)


def test_a_second_request_within_max_age_sends_no_preflight():
    verdict = simulate(
        request(method="PUT"), replay([Hop(answer(STAR), put("600"))]), again_after=60
    )
    for browser in verdict.browsers:
        assert kinds(browser) == [(0, "preflight"), (0, "request")]
        assert kinds(browser.again) == [(0, "request")], browser.rules
        assert browser.again.allowed and "preflight-cache" in names(browser.again)
        assert browser.again_after == 60


def test_a_second_request_after_a_browsers_cap_is_preflighted_again():
    verdict = simulate(
        request(method="PUT"), replay([Hop(answer(STAR), put("86400"))]), again_after=3600
    )
    sent_again = {b.rules: "preflight" in [k for _, k in kinds(b.again)] for b in verdict.browsers}
    # Chromium keeps it 2 h, Firefox 24 h, WebKit 10 min.
    assert sent_again == {"chromium": False, "firefox": False, "webkit": True}
    later = simulate(
        request(method="PUT"), replay([Hop(answer(STAR), put("86400"))]), again_after=7200
    )
    assert [k for _, k in kinds(later.chromium.again)] == ["preflight", "request"]
    assert [k for _, k in kinds(later.firefox.again)] == ["request"]


def test_without_max_age_the_cache_lasts_five_seconds():
    hops = [Hop(answer(STAR), put(None))]
    soon = simulate(request(method="PUT"), replay(hops), again_after=4)
    late = simulate(request(method="PUT"), replay(hops), again_after=5)
    assert all(kinds(b.again) == [(0, "request")] for b in soon.browsers)
    assert all(kinds(b.again)[0] == (0, "preflight") for b in late.browsers)


def test_an_unparsable_max_age_is_the_default_in_chromium_and_no_cache_in_firefox():
    verdict = simulate(
        request(method="PUT"), replay([Hop(answer(STAR), put("soon"))]), again_after=1
    )
    assert kinds(verdict.chromium.again) == [(0, "request")]
    assert kinds(verdict.firefox.again) == [(0, "preflight"), (0, "request")]
    assert "does not cache" in next(
        s.detail for s in verdict.firefox.steps if s.name == "preflight.max-age"
    )


def test_a_failed_preflight_is_not_cached():
    refusing = allowing(STAR, ("Access-Control-Allow-Methods", "GET"), max_age="600")
    verdict = simulate(request(method="PUT"), replay([Hop(answer(STAR), refusing)]), again_after=1)
    for browser in verdict.browsers:
        assert browser.failure.id == "preflight-method-not-allowed"
        assert kinds(browser.again) == [(0, "preflight")]
        assert browser.preflight_cache == ()


def test_a_cached_preflight_does_not_save_a_response_without_cors_headers():
    verdict = simulate(request(method="PUT"), replay([Hop(answer(), put("600"))]), again_after=1)
    assert verdict.chromium.failure.id == "allow-origin-missing"
    assert kinds(verdict.chromium.again) == [(0, "request")]
    assert verdict.chromium.again.failure.id == "allow-origin-missing"


def test_a_credentialed_preflight_is_cached_for_the_method_it_names():
    # With credentials '*' is a literal method name; the PUT listed beside it is what counts.
    wild = allowing(EXACT, CRED, ("Access-Control-Allow-Methods", "*, PUT"), max_age="600")
    ok = simulate(
        request(method="PUT", credentials="include"),
        replay([Hop(answer(EXACT, CRED), wild)]),
        again_after=1,
    )
    assert ok.chromium.allowed and kinds(ok.chromium.again) == [(0, "request")]


def test_the_second_request_waits_for_answers_like_the_first():
    answers: dict = {}
    verdict = simulate(request(method="PUT"), recorded(answers), again_after=1)
    assert not verdict.complete and verdict.waiting_for.kind == "preflight"
    answers[(0, "preflight")] = put("600")
    verdict = simulate(request(method="PUT"), recorded(answers), again_after=1)
    assert verdict.waiting_for.kind == "request"
    answers[(0, "request")] = answer(STAR)
    verdict = simulate(request(method="PUT"), recorded(answers), again_after=1)
    assert verdict.complete and verdict.chromium.again.allowed


# --- Authorization on a redirect -------------------------------------------------------------

OTHER = "https://other.example/final"


def redirect(to: str, *headers: tuple[str, str], status: int = 302) -> Response:
    return Response(status, (("Location", to), *headers))


def authorization_allowed(*headers: tuple[str, str]) -> Response:
    return allowing(*headers, ("Access-Control-Allow-Headers", "authorization"))


def test_a_cross_origin_redirect_drops_authorization_so_no_second_preflight():
    hops = [
        Hop(redirect(OTHER, EXACT), authorization_allowed(EXACT)),
        Hop(answer(STAR), allowing(STAR)),  # the preflight would not allow Authorization
    ]
    verdict = simulate(request(headers=BEARER), replay(hops))
    for run in (verdict, verdict.chromium):
        assert run.allowed, run.rules
        assert kinds(run) == [(0, "preflight"), (0, "request"), (1, "request")]
        final = run.sent[-1]
        assert final.header("authorization") is None and final.header("origin") == "null"
        assert "redirect.authorization-dropped" in names(run)
    assert verdict.sent[1].header("authorization") == "Bearer t"
    # Firefox preflights again after a preflighted redirect, with the page's origin, but the
    # Authorization header is gone from that preflight and from the request, which carries
    # 'Origin: null' (measured: redirect-cross-origin-drops-authorization).
    firefox = verdict.firefox
    assert firefox.allowed
    assert kinds(firefox) == [(0, "preflight"), (0, "request"), (1, "preflight"), (1, "request")]
    assert firefox.sent[2].header("access-control-request-headers") is None
    assert firefox.sent[2].header("origin") == APP
    assert firefox.sent[3].header("authorization") is None
    assert firefox.sent[3].header("origin") == "null"
    # WebKit keeps Authorization (measured): the new origin is preflighted for it and refuses.
    webkit = verdict.webkit
    assert webkit.failure.id == "preflight-header-not-allowed"
    assert kinds(webkit) == [(0, "preflight"), (0, "request"), (1, "preflight")]
    assert webkit.sent[2].header("access-control-request-headers") == "authorization"
    assert webkit.sent[2].header("origin") == "null"
    assert "redirect.authorization-dropped" not in names(webkit)
    assert webkit.console_message.startswith(
        "Request header field Authorization is not allowed by Access-Control-Allow-Headers."
    )


def test_a_same_origin_redirect_keeps_authorization_and_preflights_again():
    hops = [
        Hop(redirect("/elsewhere", EXACT), authorization_allowed(EXACT)),
        Hop(answer(EXACT), authorization_allowed(EXACT)),
    ]
    verdict = simulate(request(headers=BEARER), replay(hops))
    assert kinds(verdict.chromium) == [
        (0, "preflight"),
        (0, "request"),
        (1, "preflight"),
        (1, "request"),
    ]
    assert verdict.chromium.sent[2].header("access-control-request-headers") == "authorization"
    assert verdict.chromium.sent[3].header("authorization") == "Bearer t"


def test_a_redirect_back_to_the_page_origin_drops_authorization_too():
    hops = [Hop(redirect(f"{APP}/back", EXACT), authorization_allowed(EXACT)), Hop(answer(STAR))]
    verdict = simulate(request(headers=BEARER), replay(hops))
    assert verdict.chromium.allowed  # a CORS request stays one, and its origin is now 'null'
    assert verdict.chromium.sent[-1].header("authorization") is None


def test_a_profile_that_keeps_authorization_preflights_the_next_origin():
    keeping = dataclasses.replace(STANDARD, drop_authorization_on_cross_origin_redirect=False)
    hops = [
        Hop(redirect(OTHER, EXACT), authorization_allowed(EXACT)),
        Hop(answer(STAR), allowing(STAR)),
    ]
    verdict = _simulate(request(headers=BEARER), replay(hops), keeping)
    assert verdict.failure.id == "preflight-header-not-allowed"
    assert kinds(verdict)[-1] == (1, "preflight")


# --- Local Network Access ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "space"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("[::1]", "loopback"),
        ("localhost", "loopback"),
        ("api.localhost", "loopback"),
        ("0.0.0.0", "loopback"),
        ("10.1.2.3", "local"),
        ("172.16.0.1", "local"),
        ("192.168.1.1", "local"),
        ("169.254.169.254", "local"),
        ("100.64.0.1", "local"),
        ("fd00::1", "local"),
        ("fe80::1", "local"),
        ("::ffff:192.168.0.1", "local"),
        ("printer.local", "local"),
        ("93.184.215.14", "public"),
        ("2606:4700::1", "public"),
        ("api.example", None),
    ],
)
def test_address_space_of_a_host(host, space):
    assert address_space(host) == space


def test_a_public_page_calling_a_private_address_needs_permission_in_chromium():
    verdict = simulate_response(request(url="https://192.168.1.20/api"), answer(STAR))
    chromium = verdict.chromium
    assert chromium.allowed and chromium.permission is not None
    assert chromium.permission.name == "local-network-access"
    assert (chromium.permission.page_space, chromium.permission.target_space) == ("public", "local")
    assert "local-network-access" in names(chromium)
    assert verdict.firefox.permission is None and verdict.webkit.permission is None
    assert verdict.permission is None  # the Fetch standard has no such step
    assert not verdict.engines_agree and verdict.browsers_agree


def test_loopback_from_a_public_page_names_the_users_computer():
    verdict = simulate_response(request(url="https://127.0.0.1:8443/"), answer(STAR))
    assert verdict.chromium.permission.target_space == "loopback"
    assert "own computer" in verdict.chromium.permission.explanation


def test_a_page_on_a_private_address_calling_loopback_needs_permission_too():
    verdict = simulate_response(
        request(origin="https://10.0.0.5", url="http://localhost:3000/"), answer(STAR)
    )
    assert verdict.chromium.permission.page_space == "local"


def test_same_or_less_private_targets_need_no_permission():
    for origin, url in [
        ("http://127.0.0.1:3000", "http://127.0.0.1:8000/"),
        ("https://10.0.0.5", "https://10.0.0.6/"),
        ("https://10.0.0.5", "https://api.example/"),
        ("http://127.0.0.1:3000", "https://api.example/"),
    ]:
        verdict = simulate_response(request(origin=origin, url=url), answer(STAR))
        assert verdict.chromium.permission is None, (origin, url)


def test_the_caller_says_what_a_name_resolves_to():
    intranet = request(url="https://printer.corp.example/", target_address_space="local")
    assert simulate_response(intranet, answer(STAR)).chromium.permission is not None
    internal_page = request(
        url="https://printer.corp.example/",
        target_address_space="local",
        page_address_space="local",
    )
    assert simulate_response(internal_page, answer(STAR)).chromium.permission is None


def test_only_a_secure_page_may_ask_for_local_network_access():
    verdict = simulate_response(
        request(origin="http://app.example", url="http://192.168.1.20/"), answer(STAR)
    )
    assert verdict.chromium.failure.id == "local-network-access-insecure"
    assert verdict.chromium.sent == ()  # refused before anything went on the wire
    assert verdict.firefox.allowed and verdict.webkit.allowed
    assert verdict.blocked_in == ("chromium",)


def test_chromium_lets_an_https_page_ask_about_a_plain_http_private_address():
    verdict = simulate_response(request(url="http://192.168.1.20/"), answer(STAR))
    assert verdict.chromium.allowed and verdict.chromium.permission is not None
    # The others see mixed content, as the standard does.
    assert verdict.firefox.failure.id == "mixed-content"
    assert verdict.failure.id == "mixed-content"


def test_an_unknown_address_space_is_refused():
    with pytest.raises(ValueError, match="page_address_space"):
        simulate_response(request(page_address_space="intranet"), answer(STAR))


# --- results survive storage -----------------------------------------------------------------


def test_every_browser_verdict_survives_a_trip_through_json():
    hops = [Hop(answer(STAR), put("86400"))]
    verdict = simulate(
        request(method="PUT", url="https://10.0.0.1/x"), replay(hops), again_after=3600
    )
    stored = LiveSimulation(verdict, (), None, False).to_dict()
    back = LiveSimulation.from_dict(stored).verdict
    assert back == verdict
    assert back.webkit.again.sent[0].kind == "preflight"
    assert back.chromium.permission.target_space == "local"


def test_a_result_stored_before_firefox_and_webkit_reads_back_with_chromium_only():
    verdict = simulate_response(request(), answer(STAR))
    stored = LiveSimulation(verdict, (), None, False).to_dict()["verdict"]
    old = {key: value for key, value in stored.items() if key not in ("browsers",)}
    old["chromium"] = stored["browsers"][0]
    back = _verdict(old)
    assert [b.rules for b in back.browsers] == ["chromium"] and back.chromium.allowed


# --- the recorded wording (checker/browser_console.json) -------------------------------------


def test_firefox_and_webkit_say_it_in_their_own_words():
    verdict = simulate_response(request(), answer(status=200))
    assert verdict.firefox.console_message == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote"
        f" resource at {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing)."
        " Status code: 200."
    )
    assert verdict.firefox.script_error == (
        "TypeError: NetworkError when attempting to fetch resource."
    )
    assert verdict.webkit.console_message == (
        f"Origin {APP} is not allowed by Access-Control-Allow-Origin. Status code: 200\n"
        f"Fetch API cannot load {API} due to access control checks."
    )
    assert verdict.webkit.script_error == "TypeError: Load failed"


def test_webkit_quotes_the_origin_it_sent_after_a_tainting_redirect():
    hops = [Hop(redirect(OTHER, EXACT)), Hop(answer(EXACT))]
    verdict = simulate(request(), replay(hops))
    assert verdict.webkit.console_message.startswith(
        "Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200"
    )
    assert f"does not match ‘{APP}’" in verdict.firefox.console_message


def test_firefox_prints_its_warning_when_star_covers_authorization():
    verdict = simulate_response(
        request(headers=BEARER), answer(STAR), allowing(STAR, ("Access-Control-Allow-Headers", "*"))
    )
    [warning] = verdict.firefox.console_warnings
    assert warning.startswith(
        f"Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote"
        f" resource at {API} soon."
    )


def test_a_preflight_failure_in_firefox_adds_the_request_did_not_succeed_line():
    verdict = simulate_response(request(method="PUT"), answer(STAR), allowing_status(405))
    first, second = verdict.firefox.console_message.split("\n")
    assert first.endswith("(Reason: CORS preflight response did not succeed). Status code: 405.")
    assert second.endswith("(Reason: CORS request did not succeed). Status code: (null).")


def test_webkit_names_the_header_as_the_script_wrote_it_in_the_scripts_order():
    headers = (("X-B", "1"), ("X-A", "2"))
    verdict = simulate_response(request(headers=headers), answer(STAR), allowing(STAR))
    assert verdict.webkit.console_message.startswith(
        "Request header field X-B is not allowed by Access-Control-Allow-Headers."
    )
    assert "header ‘x-a’ is not allowed" in verdict.firefox.console_message
    assert (
        verdict.chromium.failure.id == verdict.webkit.failure.id == "preflight-header-not-allowed"
    )


def test_fetch_refusing_the_call_has_each_engines_error():
    verdict = simulate_response(request(method="TRACE"), answer(STAR))
    assert verdict.firefox.script_error == "TypeError: Window.fetch: Invalid request method TRACE."
    assert verdict.webkit.script_error == "TypeError: Method is forbidden."
    assert verdict.chromium.script_error.startswith("TypeError: Failed to execute 'fetch'")
    assert verdict.firefox.console_message is None


# --- measured differences between the engines ------------------------------------------------


def test_webkit_blocks_plain_http_loopback_from_an_https_page():
    verdict = simulate_response(
        request(url="http://127.0.0.1:8080/x", page_address_space="loopback"), answer(STAR)
    )
    assert verdict.allowed and verdict.chromium.allowed and verdict.firefox.allowed
    assert verdict.webkit.failure.id == "mixed-content"


def test_webkit_keeps_content_type_when_a_303_turns_a_post_into_a_get():
    json_type = (("Content-Type", "application/json"),)
    hops = [
        Hop(
            redirect(OTHER, EXACT, status=303),
            allowing(EXACT, ("Access-Control-Allow-Headers", "content-type")),
        ),
        Hop(answer(STAR), allowing(STAR)),
    ]
    verdict = simulate(request(method="POST", headers=json_type, body=True), replay(hops))
    assert verdict.allowed and verdict.chromium.allowed
    assert verdict.webkit.failure.id == "preflight-header-not-allowed"
    # Firefox preflights the GET again, with the page's origin, and passes.
    assert verdict.firefox.allowed
    assert verdict.firefox.sent[2].kind == "preflight"
    assert verdict.firefox.sent[2].header("origin") == APP


def test_webkit_reads_a_preflights_status_before_its_allow_origin():
    verdict = simulate_response(request(method="PUT"), answer(STAR), Response(405, ()))
    assert verdict.chromium.failure.id == "allow-origin-missing"
    assert verdict.webkit.failure.id == "preflight-status"


def test_recorded_answers_tell_apart_the_origins_browsers_send_on_one_hop():
    # A preflighted PUT redirected to another origin: the standard sends 'Origin: null' on the
    # next hop, Firefox preflights it with the page's origin; a server that reflects Origin
    # answers each its own.
    null_allowed = ("Access-Control-Allow-Origin", "null")
    answers = {
        (0, "preflight"): allowing(EXACT, ("Access-Control-Allow-Methods", "PUT")),
        (0, "request"): redirect(OTHER, EXACT, status=307),
        (1, "preflight", "null"): allowing(null_allowed, ("Access-Control-Allow-Methods", "PUT")),
        (1, "request", "null"): answer(null_allowed),
        (1, "preflight", APP): allowing(EXACT, ("Access-Control-Allow-Methods", "PUT")),
        (1, "request", APP): answer(EXACT, ("X-Seen", "page origin")),
    }
    verdict = simulate(request(method="PUT"), recorded(answers))
    assert verdict.complete and verdict.allowed
    assert verdict.sent[-1].header("origin") == "null"
    assert "x-seen" not in verdict.exposed_headers
    # Firefox was given the answer to its own Origin at each request: the preflight's for the
    # page's origin, the request's for 'null'.
    firefox = verdict.firefox
    assert firefox.allowed
    assert [(out.kind, out.header("origin")) for out in firefox.sent[2:]] == [
        ("preflight", APP),
        ("request", "null"),
    ]
    checked = [s for s in firefox.steps if s.name == "preflight.allow-origin"][-1]
    assert f"'{APP}'" in checked.detail
    assert "x-seen" not in firefox.exposed_headers
    without_origin = {key[:2]: value for key, value in answers.items() if len(key) == 2}
    assert simulate(request(method="PUT"), recorded(without_origin)).waiting_for.hop == 1


def test_firefox_quotes_the_bad_item_of_a_list_and_webkit_the_whole_value():
    methods = ("Access-Control-Allow-Methods", "GET, PUT, bad value")
    verdict = simulate_response(request(method="PUT"), answer(STAR), allowing(STAR, methods))
    assert verdict.firefox.failure.id == "preflight-allow-methods-invalid"
    assert "(Reason: invalid token ‘bad value’ in CORS header" in verdict.firefox.console_message
    assert verdict.webkit.console_message.startswith(
        "Header Access-Control-Allow-Methods has an invalid value: GET, PUT, bad value"
    )


@pytest.mark.parametrize(
    ("value", "index", "code"),
    [("\u20ac", 0, 8364), ("a\u0100", 1, 256), ("ab\U0001f600", 2, 0xD83D)],
)
def test_firefox_names_the_first_character_beyond_latin1_as_javascript_counts_it(
    value, index, code
):
    verdict = simulate_response(request(headers=(("X-A", value),)), answer(STAR))
    assert verdict.firefox.script_error.endswith(
        f"because the character at index {index} has value {code} which is greater than 255."
    )
    assert verdict.webkit.script_error == "TypeError: Type error"
    # A line break is another cause: neither engine's error for it has been recorded.
    broken = simulate_response(request(headers=(("X-A", "a\nb"),)), answer(STAR))
    assert broken.firefox.failure.id == "script-invalid-header-value"
    assert broken.firefox.script_error is None and broken.webkit.script_error is None
