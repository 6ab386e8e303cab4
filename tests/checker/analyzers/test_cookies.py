from checker.analyze import cookies
from checker.headers.cookies import parse_set_cookie
from checker.model import Severity
from tests.checker.analyzers.build import chain, exchange, fact, ids, only, page, redirect

GOOD = "__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"


def run(*lines, url="https://example.com/"):
    return list(cookies.analyze(page([("Set-Cookie", line) for line in lines], url=url)))


def test_no_cookies_means_no_findings():
    assert run() == []


def test_a_well_set_cookie_passes():
    findings = run(GOOD, "lang=en; Path=/; Secure; SameSite=Strict")
    assert ids(findings) == ["cookie.all-secure"]
    assert only(findings, "cookie.all-secure").severity is Severity.PASS


def test_the_pass_counts_its_cookies_in_words_that_read():
    one = only(run(GOOD), "cookie.all-secure")
    two = only(run(GOOD, "lang=en; Path=/; Secure; SameSite=Strict"), "cookie.all-secure")

    assert one.title == (
        "The one cookie is set over HTTPS with Secure and SameSite, and HttpOnly as it looks "
        "like a session"
    )
    assert two.title == (
        "All 2 cookies are set over HTTPS with Secure and SameSite, and HttpOnly where they look "
        "like sessions"
    )


def test_it_flags_a_cookie_without_secure_on_https():
    finding = only(run("lang=en; SameSite=Lax"), "cookie.no-secure")
    assert fact(finding, "cookie") == ["lang"]
    assert "1 cookie " in finding.title


def test_it_flags_session_like_cookies_without_httponly():
    findings = run(
        "PHPSESSID=1; Secure; SameSite=Lax",
        "connect.sid=1; Secure; SameSite=Lax",
        "auth_token=1; Secure; SameSite=Lax",
        "theme=dark; Secure; SameSite=Lax",
    )
    finding = only(findings, "cookie.session-no-httponly")
    assert fact(finding, "cookie") == ["PHPSESSID", "connect.sid", "auth_token"]


def test_csrf_tokens_may_be_read_by_scripts():
    assert ids(run("csrftoken=1; Secure; SameSite=Lax", "XSRF-TOKEN=1; Secure; SameSite=Lax")) == [
        "cookie.all-secure"
    ]


def test_it_flags_missing_and_invalid_samesite():
    findings = run("a=1; Secure", "b=1; Secure; SameSite=yes")
    assert ids(findings) == ["cookie.no-samesite", "cookie.samesite-invalid"]


def test_it_flags_samesite_none_without_secure():
    findings = run("tracker=1; SameSite=None")
    assert "cookie.samesite-none-insecure" in ids(findings)
    assert "cookie.samesite-none-insecure" not in ids(run("tracker=1; SameSite=None; Secure"))


def test_it_enforces_the_host_prefix_rules():
    for line in (
        "__Host-id=1; Secure; SameSite=Lax",  # no Path=/
        "__Host-id=1; Secure; Path=/; Domain=example.com; SameSite=Lax",
        "__host-id=1; Path=/; SameSite=Lax",  # prefixes match without case; no Secure
    ):
        assert "cookie.host-prefix-invalid" in ids(run(line)), line
    assert (
        only(run("__Host-id=1; Path=/; SameSite=Lax"), "cookie.host-prefix-invalid").glossary
        == "cookie-prefixes"
    )


def test_it_enforces_the_secure_prefix_rule():
    assert "cookie.secure-prefix-invalid" in ids(run("__Secure-id=1; SameSite=Lax"))
    assert ids(run("__Secure-id=1; Secure; SameSite=Lax")) == ["cookie.all-secure"]


def test_it_reads_every_set_cookie_in_the_chain_and_cites_the_hop():
    observation = chain(
        redirect(
            "http://example.com/",
            "https://example.com/",
            probe="main.0",
            headers=[("Set-Cookie", "visit=1")],
        ),
        exchange("https://example.com/", [("Set-Cookie", GOOD)], probe="main.1"),
    )
    findings = list(cookies.analyze(observation))
    over_http = only(findings, "cookie.set-over-http")
    assert over_http.exchanges == ("main.0",)
    assert "cookie.all-secure" not in ids(findings)


def test_cookies_that_only_delete_are_not_judged():
    assert run("sid=; Max-Age=0", "sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT") == []


def test_malformed_lines_are_reported_not_raised():
    findings = run("=", "bad=\x01value; Secure")
    finding = only(findings, "cookie.malformed")
    assert fact(finding, "rejected") == [
        "it has neither a name nor a value",
        "it contains control characters",
    ]


def test_the_parser_is_lenient_and_keeps_the_last_attribute():
    cookie = parse_set_cookie(" a = b=c ; SameSite=Strict; samesite=None ;secure;; Path")
    assert (cookie.name, cookie.value) == ("a", "b=c")
    assert cookie.same_site == "None"
    assert cookie.secure and cookie.path == ""


def test_the_parser_treats_a_line_without_equals_as_a_nameless_value():
    cookie = parse_set_cookie("justvalue; Secure")
    assert (cookie.name, cookie.value, cookie.rejected) == ("", "justvalue", None)
