"""Where the engines part ways, measured: the same probe in Chromium, Firefox and WebKit.

Each probe serves its own paths, runs a few fetch() calls in one engine and reduces what reached
the server to a small fact (how many preflights, which host names were sent, whether a cookie
came along); ``MEASURED`` pins each engine's fact and, beside it, the Fetch standard's answer.
One browser per engine for the whole module. /work/wt/notes/browser-differences.md has the table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.engines import (
    CHROMIUM,
    Chromium,
    Firefox,
    WebKit,
    firefox_missing,
    webkit_missing,
)
from tests.conformance.servers import HOSTS, Origins

pytestmark = pytest.mark.browser

# --- the probes --------------------------------------------------------------------------------

MAX_AGES = ("5", "0", "-1", "abc", "1.5", None, "86400", "5, 10")

# Characters tried inside a host name: x{char}y.api.test. A comma cannot be listed in Firefox's
# network.dns.localDomains, so it is left out.
HOST_CHARS = ("_", "-", "!", "$", "&", "'", "(", ")", "*", "+", ";", "=", "~", "{", "}", "`", '"')


def host_for(char: str) -> str:
    return f"x{char}y.api.test"


PROBE_HOSTS = (*HOSTS, *(host_for(char) for char in HOST_CHARS))


def _register(origins: Origins, case: str, answer) -> str:
    return origins.register(case, answer)


def max_age(engine, origins: Origins, value: str | None, second_method: str = "PUT") -> int:
    """How many preflights two PUT fetch() calls (the second maybe another method) cause."""
    case = f"max-age-{engine.name}-{value}-{second_method}".replace(" ", "").replace(",", "+")
    app = origins.origin("app.test")

    def answer(seen):
        headers = [("Access-Control-Allow-Origin", app)]
        if seen.method == "OPTIONS":
            headers.append(("Access-Control-Allow-Methods", "PUT, DELETE"))
            if value is not None:
                headers.append(("Access-Control-Max-Age", value))
            return 204, headers, b""
        return 200, headers, b"ok"

    _register(origins, case, answer)
    engine.open(origins.url("app.test", "/page"))
    url = origins.url("api.test", f"/c/{case}/x")
    first = engine.fetch(url, {"method": "PUT"})
    second = engine.fetch(url, {"method": second_method})
    assert first["allowed"] and second["allowed"], (first, second)
    return sum(seen.method == "OPTIONS" for seen in origins.requests_for(case))


def host_chars(engine, origins: Origins) -> dict[str, str]:
    """For each character: 'url-error' (fetch() refuses the URL), 'not-sent' (nothing reached the
    server), or the Host header the server received (allowed or not)."""
    found = {}
    engine.open(origins.url("app.test", "/page"))
    for index, char in enumerate(HOST_CHARS):
        case = f"host-{engine.name}-{index}"
        _register(origins, case, lambda seen: (200, [("Access-Control-Allow-Origin", "*")], b"ok"))
        url = f"https://{host_for(char)}:{origins.port}/c/{case}/x"
        outcome = engine.fetch(url, {})
        seen = origins.requests_for(case)
        if seen:
            found[char] = (seen[0].header("host") or "").rsplit(":", 1)[0]
        elif "url" in outcome.get("error", "").lower():
            found[char] = "url-error"
        else:
            found[char] = "not-sent"
        engine.console(wait=not seen)
    return found


def third_party_cookie(engine, origins: Origins) -> bool:
    """A cookie api.test set (SameSite=None; Secure) while it was the top-level site: does a
    credentialed fetch() from https://app.test carry it?"""
    case = f"cookie-{engine.name}"
    app = origins.origin("app.test")

    def answer(seen):
        if seen.path.endswith("/set"):
            return (
                200,
                [
                    ("Content-Type", "text/html"),
                    ("Set-Cookie", "sid=1; SameSite=None; Secure; Path=/"),
                ],
                b"<!doctype html><p>set",
            )
        return (
            200,
            [("Access-Control-Allow-Origin", app), ("Access-Control-Allow-Credentials", "true")],
            b"ok",
        )

    _register(origins, case, answer)
    engine.open(origins.url("api.test", f"/c/{case}/set"))
    engine.open(origins.url("app.test", "/page"))
    outcome = engine.fetch(origins.url("api.test", f"/c/{case}/x"), {"credentials": "include"})
    assert outcome["allowed"], outcome
    [request] = [seen for seen in origins.requests_for(case) if seen.path.endswith("/x")]
    return "sid=1" in (request.header("cookie") or "")


# --- what was measured -------------------------------------------------------------------------

# Preflights for two identical PUTs, by Access-Control-Max-Age value (None: header absent).
# Standard: a value that is not a non-negative integer is ignored and the default of 5 s applies,
# so only 0 makes the second request preflight again.
STANDARD_MAX_AGE = {"5": 1, "0": 2, "-1": 1, "abc": 1, "1.5": 1, None: 1, "86400": 1, "5, 10": 1}


def _sent_as_typed(*but: str, **changed: str) -> dict[str, str]:
    found = {char: host_for(char) for char in HOST_CHARS if char not in but}
    found.update({char: "not-sent" for char in but})
    found.update(changed)
    return found


# Standard (URL standard + Fetch): none of these is a forbidden host code point, so every one is a
# valid host; what a resolver then does with it is not the standard's business.
STANDARD_HOST_CHARS = _sent_as_typed()

MEASURED: dict[str, dict] = {
    "chromium": {
        # A negative value means "do not cache" (like 0); garbage and "1.5" fall back to 5 s.
        "max_age": {**STANDARD_MAX_AGE, "-1": 2},
        # Every character goes out as typed except '*', which Chromium percent-encodes.
        "host_chars": {**_sent_as_typed(), "*": "x%2Ay.api.test"},
        "third_party_cookie": False,  # headless Chromium blocks third-party cookies
    },
    "firefox": {
        # Anything but a plain non-negative integer disables the cache for that answer.
        "max_age": {**STANDARD_MAX_AGE, "-1": 2, "abc": 2, "1.5": 2, "5, 10": 2},
        # '*' and '"' make the URL invalid; most other punctuation is refused by Firefox's resolver
        # ("CORS request did not succeed"); only '_', '-', '$' and '+' get through.
        "host_chars": {
            **_sent_as_typed("!", "&", "'", "(", ")", ";", "=", "~", "{", "}", "`"),
            "*": "url-error",
            '"': "url-error",
        },
        "third_party_cookie": False,  # Total Cookie Protection: api.test's own cookie stays its own
    },
    "webkit": {
        "max_age": {**STANDARD_MAX_AGE, "-1": 2},
        # All go out as typed; ';' cut the name short in libsoup's CONNECT to our proxy ("x:443").
        "host_chars": _sent_as_typed(";"),
        # ITP off (as the recipe asks) and WebKitGTK's default cookie policy: the cookie is sent.
        # Safari (ITP on, third-party cookies blocked) would not send it.
        "third_party_cookie": True,
    },
}

STANDARD = {"max_age": STANDARD_MAX_AGE, "host_chars": STANDARD_HOST_CHARS}


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with Origins() as server:
        yield server


def _launch(name: str, origins: Origins):
    import os

    if name == "chromium":
        if not os.path.exists(CHROMIUM):
            pytest.skip("needs Chromium")
        return Chromium()
    if name == "firefox":
        if firefox_missing():
            pytest.skip(firefox_missing())
        return Firefox(PROBE_HOSTS)
    if webkit_missing():
        pytest.skip(webkit_missing())
    return WebKit(PROBE_HOSTS, (origins.port, origins.plain_port))


@pytest.fixture(scope="module", params=["chromium", "firefox", "webkit"])
def engine(request, origins: Origins):
    browser = _launch(request.param, origins)
    yield browser
    browser.close()


def test_max_age(engine, origins: Origins) -> None:
    counts = {value: max_age(engine, origins, value) for value in MAX_AGES}
    # Within the cache, a second request with another method the preflight allowed skips it.
    assert max_age(engine, origins, "600", second_method="DELETE") == 1
    print(engine.name, "max-age", counts)
    assert counts == MEASURED[engine.name]["max_age"]


def test_host_chars(engine, origins: Origins) -> None:
    found = host_chars(engine, origins)
    print(engine.name, "host chars", found)
    assert found == MEASURED[engine.name]["host_chars"]


def test_third_party_cookie(engine, origins: Origins) -> None:
    sent = third_party_cookie(engine, origins)
    print(engine.name, "third-party cookie sent:", sent)
    assert sent is MEASURED[engine.name]["third_party_cookie"]


# --- Local Network Access: a page in the public address space calls loopback ------------------

LNA_LINES = {
    "chromium": "Access to fetch at '{url}' from origin '{app}' has been blocked by CORS policy:"
    " Permission was denied for this request to access the `loopback` address space.",
    "firefox": "Local Network Access permission required: top-level site “{app}/page”, initiator"
    " “{app}/page”, attempting to access target “{url}” (:0) via fetch. Secure context: True",
}


@pytest.mark.parametrize("name", ["chromium", "firefox"])
def test_local_network_access(name: str) -> None:
    """The page's server is declared public (Chromium's --ip-address-space-overrides, Firefox's
    network.lna.address_space.public.override); the target is an HTTPS server on loopback that
    would allow anything (ACAO *, Access-Control-Allow-Private-Network). Both engines refuse
    before anything reaches the target: Chromium denies the permission at once (headless, no
    prompt), Firefox asks the user and gives up when the prompt times out (5 min by default,
    1.5 s here). WebKit has no address-space checks and no override to test one with."""
    import os

    if name == "chromium" and not os.path.exists(CHROMIUM):
        pytest.skip("needs Chromium")
    if name == "firefox" and firefox_missing():
        pytest.skip(firefox_missing())
    with Origins() as public, Origins() as local:
        local.register(
            "lna",
            lambda seen: (
                204 if seen.method == "OPTIONS" else 200,
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Private-Network", "true"),
                ],
                b"ok",
            ),
        )
        if name == "chromium":
            engine = Chromium((f"--ip-address-space-overrides=127.0.0.1:{public.port}=public",))
        else:
            engine = Firefox(
                HOSTS,
                {
                    "network.lna.address_space.public.override": f"127.0.0.1:{public.port}",
                    "network.lna.prompt.timeout": 1500,
                },
            )
        try:
            engine.open(public.url("app.test", "/page"))
            engine.console(wait=False)
            url = local.url("api.test", "/c/lna/x")
            outcome = engine.fetch(url, {})
            lines = engine.console(wait=True)
        finally:
            engine.close()
        assert outcome["allowed"] is False
        assert local.requests_for("lna") == []
        first = lines[0].split("\n")[0]
        expected = LNA_LINES[name].format(url=url, app=public.origin("app.test"))
        assert first == expected
