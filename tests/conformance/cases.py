"""The conformance table: one row per behaviour, served by tests/conformance/servers.py.

A row says what the script asks (method, headers, credentials, body, page), and how the server
answers each path under the row's own prefix ``/c/<id>/``: the script always fetches ``x``;
redirects lead to other paths. ``differs`` marks the rows where Chromium and the Fetch standard
were seen to disagree; the simulator must reproduce both answers.

Header values may name the origins: ``{app}``, ``{api}``, ``{other}`` (HTTPS) and ``{plain_api}``
(plain HTTP); ``{case}`` is the row's path prefix, for Location headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: Pairs = ()


@dataclass(frozen=True)
class Route:
    reply: Reply = Reply()
    preflight: Reply | None = None  # None: an OPTIONS request gets ``reply`` like any other


@dataclass(frozen=True)
class Case:
    id: str
    routes: dict[str, Route]
    method: str = "GET"
    headers: Pairs = ()
    credentials: str = "same-origin"
    body: str | None = None
    host: str = "api.test"
    page: str = "/page"  # "/sandboxed" gives the page an opaque origin
    url: str | None = None  # a whole URL (with placeholders) instead of host + "x"
    differs: bool = False
    why: str = ""
    tags: tuple[str, ...] = field(default=())


def ok(*headers: tuple[str, str], status: int = 200) -> Reply:
    return Reply(status, headers)


def at(*headers: tuple[str, str], preflight: Reply | None = None, status: int = 200) -> dict:
    """One route at ``x``: the common shape of a row."""
    return {"x": Route(Reply(status, headers), preflight)}


def moved(location: str, *headers: tuple[str, str], status: int = 302) -> Reply:
    return Reply(status, (("Location", location), *headers))


STAR = ("Access-Control-Allow-Origin", "*")
APP = ("Access-Control-Allow-Origin", "{app}")
NULL = ("Access-Control-Allow-Origin", "null")
CRED = ("Access-Control-Allow-Credentials", "true")


def allow(methods: str | None = None, headers: str | None = None, *extra) -> Reply:
    pairs = list(extra)
    if methods is not None:
        pairs.append(("Access-Control-Allow-Methods", methods))
    if headers is not None:
        pairs.append(("Access-Control-Allow-Headers", headers))
    return Reply(204, tuple(pairs))


CASES: tuple[Case, ...] = (
    # --- Access-Control-Allow-Origin on a simple GET ---
    Case("no-acao", at()),
    Case("acao-star", at(STAR)),
    Case("acao-star-with-credentials", at(STAR, CRED), credentials="include"),
    Case("acao-star-credentials-omit", at(STAR), credentials="omit"),
    Case("acao-exact", at(APP)),
    Case("acao-wrong-origin", at(("Access-Control-Allow-Origin", "https://evil.test"))),
    Case("acao-trailing-slash", at(("Access-Control-Allow-Origin", "{app}/"))),
    Case("acao-two-headers", at(APP, ("Access-Control-Allow-Origin", "{other}"))),
    Case("acao-star-twice", at(STAR, STAR)),
    Case("acao-null-for-real-origin", at(NULL)),
    Case("acao-not-a-url", at(("Access-Control-Allow-Origin", "app.test"))),
    Case("acao-upper-case-host", at(("Access-Control-Allow-Origin", "https://APP.test"))),
    # --- credentials ---
    Case("acac-true", at(APP, CRED), credentials="include"),
    Case(
        "acac-capital-true",
        at(APP, ("Access-Control-Allow-Credentials", "True")),
        credentials="include",
    ),
    Case("acac-missing", at(APP), credentials="include"),
    Case("acac-needless-without-credentials", at(APP), credentials="omit"),
    # --- preflight status and redirects ---
    Case("preflight-405-no-acao", at(preflight=Reply(405)), method="PUT"),
    Case("preflight-405-with-acao", at(preflight=Reply(405, (STAR,))), method="PUT"),
    Case("preflight-204-ok", at(STAR, preflight=allow("PUT", None, STAR)), method="PUT"),
    Case(
        "preflight-redirect",
        at(preflight=moved("{case}elsewhere", STAR)),
        method="PUT",
    ),
    Case(
        "preflight-acac-missing",
        at(APP, CRED, preflight=allow("PUT", None, APP)),
        method="PUT",
        credentials="include",
    ),
    # --- Access-Control-Allow-Methods ---
    Case("methods-missing-put", at(STAR, preflight=allow("GET, POST", None, STAR)), method="PUT"),
    Case("methods-lower-put-for-put", at(STAR, preflight=allow("put", None, STAR)), method="PUT"),
    Case(
        "methods-lower-patch-for-lower-patch",
        at(STAR, preflight=allow("patch", None, STAR)),
        method="patch",
        why="fetch() upper-cases only six methods: 'patch' stays 'patch' and matches exactly",
    ),
    Case(
        "methods-upper-patch-for-lower-patch",
        at(STAR, preflight=allow("PATCH", None, STAR)),
        method="patch",
    ),
    Case(
        "methods-lower-patch-for-upper-patch",
        at(STAR, preflight=allow("patch", None, STAR)),
        method="PATCH",
    ),
    Case("methods-star", at(STAR, preflight=allow("*", None, STAR)), method="DELETE"),
    Case(
        "methods-star-with-credentials",
        at(APP, CRED, preflight=allow("*", None, APP, CRED)),
        method="DELETE",
        credentials="include",
    ),
    Case("methods-unparsable", at(STAR, preflight=allow("PUT GET", None, STAR)), method="PUT"),
    Case(
        "methods-listed-beside-a-bad-item",
        at(APP, CRED, preflight=allow("GET, PUT, bad value", "content-type", APP, CRED)),
        method="PUT",
        headers=(("Content-Type", "application/json"),),
        credentials="include",
        why="one item that is not a token spoils the whole list, PUT included (issue 11)",
    ),
    Case(
        "headers-listed-beside-a-bad-item",
        at(STAR, preflight=allow("PUT", "x-api-key, bad value", STAR)),
        method="PUT",
        headers=(("X-Api-Key", "k"),),
    ),
    Case(
        "methods-empty-items",
        at(STAR, preflight=allow(",PUT,, ", "", STAR)),
        method="PUT",
    ),
    Case("custom-method", at(STAR, preflight=allow("GET", None, STAR)), method="FOO"),
    # --- Access-Control-Allow-Headers ---
    Case(
        "headers-star-with-authorization",
        at(STAR, preflight=allow(None, "*", STAR)),
        headers=(("Authorization", "Bearer t"),),
        differs=True,
        why="Chromium lets '*' cover Authorization; the standard requires it by name",
    ),
    Case(
        "headers-star-with-custom-header",
        at(STAR, preflight=allow(None, "*", STAR)),
        headers=(("X-Api-Key", "k"),),
    ),
    Case(
        "headers-star-with-custom-header-and-credentials",
        at(APP, CRED, preflight=allow(None, "*", APP, CRED)),
        headers=(("X-Api-Key", "k"),),
        credentials="include",
    ),
    Case(
        "headers-authorization-listed-with-credentials",
        at(APP, CRED, preflight=allow(None, "authorization", APP, CRED)),
        headers=(("Authorization", "Bearer t"),),
        credentials="include",
    ),
    Case(
        "headers-listed-in-other-case",
        at(STAR, preflight=allow(None, "x-API-key", STAR)),
        headers=(("X-Api-Key", "k"),),
    ),
    Case(
        "headers-one-of-two-missing",
        at(STAR, preflight=allow(None, "x-b", STAR)),
        headers=(("X-B", "1"), ("X-A", "2")),
    ),
    Case(
        "headers-none-listed",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("X-B", "1"), ("X-A", "2")),
    ),
    Case(
        "headers-unparsable",
        at(STAR, preflight=allow(None, "x-a;", STAR)),
        headers=(("X-A", "1"),),
    ),
    # --- Access-Control-Expose-Headers ---
    Case(
        "expose-listed",
        at(STAR, ("X-Total", "3"), ("X-Hidden", "1"), ("Access-Control-Expose-Headers", "x-total")),
    ),
    Case(
        "expose-star",
        at(STAR, ("X-Total", "3"), ("Set-Cookie", "a=b"), ("Access-Control-Expose-Headers", "*")),
    ),
    Case(
        "expose-star-with-credentials",
        at(
            APP,
            CRED,
            ("X-Total", "3"),
            ("X-Other", "1"),
            ("Access-Control-Expose-Headers", "*, X-Other"),
        ),
        credentials="include",
    ),
    Case(
        "expose-unparsable",
        at(
            STAR,
            ("X-Total", "3"),
            ("Cache-Control", "no-store"),
            ("Content-Language", "en"),
            ("Expires", "0"),
            ("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT"),
            ("Pragma", "no-cache"),
            ("Content-Type", "text/plain"),
            ("Access-Control-Expose-Headers", "X-Total X"),
        ),
    ),
    Case(
        "expose-listed-beside-a-bad-item",
        at(STAR, ("X-Total", "3"), ("Access-Control-Expose-Headers", "X-Total, bad value")),
    ),
    # --- which requests need a preflight ---
    Case(
        "content-type-text-plain",
        at(STAR, preflight=allow(None, None, STAR)),
        method="POST",
        headers=(("Content-Type", "text/plain;charset=UTF-8"),),
        body="{}",
    ),
    Case(
        "content-type-json",
        at(STAR, preflight=allow(None, None, STAR)),
        method="POST",
        headers=(("Content-Type", "application/json"),),
        body="{}",
    ),
    Case(
        "content-type-json-allowed",
        at(STAR, preflight=allow(None, "content-type", STAR)),
        method="POST",
        headers=(("Content-Type", "application/json"),),
        body="{}",
    ),
    Case(
        "content-type-upper-case-multipart",
        at(STAR, preflight=allow(None, None, STAR)),
        method="POST",
        headers=(("Content-Type", "MULTIPART/FORM-DATA; boundary=x"),),
        body="x",
    ),
    Case(
        "content-type-quoted-parameter",
        at(STAR, preflight=allow(None, None, STAR)),
        method="POST",
        headers=(("Content-Type", 'text/plain; x="a"'),),
        body="x",
    ),
    Case(
        "content-type-not-a-mime-type",
        at(STAR, preflight=allow(None, None, STAR)),
        method="POST",
        headers=(("Content-Type", "text/plain garbage"),),
        body="x",
    ),
    Case(
        "accept-longer-than-128",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Accept", "a" * 129),),
    ),
    Case(
        "accept-exactly-128",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Accept", "a" * 128),),
    ),
    Case(
        "accept-with-unsafe-byte",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Accept", "text/html(x)"),),
    ),
    Case(
        "accept-language-underscore",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Accept-Language", "en_US"),),
    ),
    Case(
        "range-single",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Range", "bytes=0-10"),),
    ),
    Case(
        "range-open-ended",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Range", "bytes=5-"),),
    ),
    Case(
        "range-suffix",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Range", "bytes=-5"),),
    ),
    Case(
        "range-two-ranges",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Range", "bytes=0-1,3-4"),),
    ),
    Case(
        "forbidden-headers-dropped",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(
            ("Cookie", "a=b"),
            ("Sec-Custom", "1"),
            ("Proxy-Thing", "1"),
            ("Accept-Encoding", "x"),
            ("X-HTTP-Method-Override", "TRACE"),
        ),
    ),
    Case(
        "method-override-header-harmless-value",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("X-Method-Override", "GET"),),
    ),
    Case(
        "repeated-accept-header",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Accept", "a" * 100), ("Accept", "b" * 100)),
        differs=True,
        why="Chromium joins the two values into one 202-byte value; the standard judges each",
    ),
    Case(
        "client-hint-dpr",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("DPR", "2"),),
        differs=True,
        why="Chromium safelists client hints such as DPR; the standard does not",
    ),
    Case(
        "client-hint-dpr-bad-value",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("DPR", "1."),),
    ),
    Case(
        "client-hint-save-data",
        at(STAR, preflight=allow(None, None, STAR)),
        headers=(("Save-Data", "on"), ("ECT", "4g"), ("Width", "640")),
        differs=True,
        why="Chromium safelists client hints; the standard does not",
    ),
    # --- redirects ---
    Case(
        "redirect-same-origin-to-cross-origin",
        {"x": Route(moved("{api}{case}final")), "final": Route(ok(APP))},
        host="app.test",
    ),
    Case(
        "redirect-cross-to-other-exact-origin",
        {"x": Route(moved("{other}{case}final", APP)), "final": Route(ok(APP))},
        why="the origin is tainted: the second hop sees Origin: null",
    ),
    Case(
        "redirect-cross-to-other-null",
        {"x": Route(moved("{other}{case}final", APP)), "final": Route(ok(NULL))},
    ),
    Case(
        "redirect-cross-to-other-star",
        {"x": Route(moved("{other}{case}final", APP)), "final": Route(ok(STAR))},
    ),
    Case(
        "redirect-cross-back-to-page-origin",
        {"x": Route(moved("{app}{case}final", APP)), "final": Route(ok(APP))},
    ),
    Case(
        "redirect-cross-back-to-page-origin-null",
        {"x": Route(moved("{app}{case}final", APP)), "final": Route(ok(NULL))},
    ),
    Case(
        "redirect-within-api-origin",
        {"x": Route(moved("{case}final", APP)), "final": Route(ok(APP))},
    ),
    Case(
        "redirect-without-acao",
        {"x": Route(moved("{other}{case}final")), "final": Route(ok(STAR))},
    ),
    Case(
        "redirect-to-credentials-cross-origin",
        {"x": Route(moved("https://u:p@other.test:{port}{case}final", STAR))},
    ),
    Case(
        "redirect-to-credentials-same-origin",
        {"x": Route(moved("https://u:p@app.test:{port}{case}final")), "final": Route(ok())},
        host="app.test",
        differs=True,
        why="the standard follows a same-origin redirect with credentials; Chromium refuses",
    ),
    Case(
        "redirect-307-put-to-other-origin",
        {
            "x": Route(
                moved("{other}{case}final", APP, status=307), preflight=allow("PUT", None, APP)
            ),
            "final": Route(ok(NULL), preflight=allow("PUT", None, STAR)),
        },
        method="PUT",
    ),
    Case(
        "redirect-307-put-second-preflight-fails",
        {
            "x": Route(
                moved("{other}{case}final", APP, status=307), preflight=allow("PUT", None, APP)
            ),
            "final": Route(ok(NULL), preflight=allow("PUT", None, APP)),
        },
        method="PUT",
    ),
    Case(
        "redirect-303-post-becomes-get",
        {
            "x": Route(
                moved("{other}{case}final", APP, status=303),
                preflight=allow(None, "content-type", APP),
            ),
            "final": Route(ok(STAR), preflight=allow(None, None, STAR)),
        },
        method="POST",
        headers=(("Content-Type", "application/json"),),
        body="{}",
    ),
    Case(
        "redirect-302-same-origin-put-to-cross",
        {
            "x": Route(moved("{api}{case}final", status=307)),
            "final": Route(ok(APP), preflight=allow("PUT", None, APP)),
        },
        host="app.test",
        method="PUT",
    ),
    Case("redirect-to-data-url", {"x": Route(moved("data:text/plain,hi", STAR))}),
    Case("redirect-to-ftp", {"x": Route(moved("ftp://other.test/x", STAR))}),
    Case("redirect-loop", {"x": Route(moved("{case}x", STAR))}),
    Case("redirect-invalid-location", {"x": Route(moved("https://[zz/", STAR))}),
    Case("redirect-to-plain-http", {"x": Route(moved("{plain_api}{case}final", STAR))}),
    # --- pages with an opaque origin, same-origin requests, mixed content ---
    Case("null-page-wrong-origin", at(APP), page="/sandboxed"),
    Case("null-page-acao-null", at(NULL), page="/sandboxed"),
    Case(
        "null-page-acao-null-credentials", at(NULL, CRED), page="/sandboxed", credentials="include"
    ),
    Case("null-page-own-host-without-acao", at(), page="/sandboxed", host="app.test"),
    Case("same-origin-without-acao", at(("X-Secret", "1")), host="app.test"),
    Case("mixed-content-plain-http", at(STAR), url="{plain_api}{case}x"),
    Case(
        "plain-http-loopback-is-trustworthy", at(STAR), url="http://127.0.0.1:{plain_port}{case}x"
    ),
    # --- calls fetch() itself refuses ---
    Case("script-trace-method", at(STAR), method="TRACE"),
    Case("script-invalid-method", at(STAR), method="a b"),
    Case("script-invalid-header-name", at(STAR), headers=(("X A", "1"),)),
    Case("script-header-value-not-latin1", at(STAR), headers=(("X-A", "\u20ac"),)),
    Case("script-get-with-body", at(STAR), body="x"),
    Case("script-url-with-credentials", at(STAR), url="https://u:p@api.test:{port}{case}x"),
    # --- credentials on a redirect (issue 11, item 5) ---
    Case(
        "redirect-cross-origin-drops-authorization",
        {
            "x": Route(
                moved("{other}{case}final", APP), preflight=allow(None, "authorization", APP)
            ),
            "final": Route(ok(STAR), preflight=allow(None, None, STAR)),
        },
        headers=(("Authorization", "Bearer t"),),
        why="Authorization leaves the request at a cross-origin redirect: no second preflight",
    ),
    Case(
        "redirect-same-origin-keeps-authorization",
        {
            "x": Route(moved("{case}final", APP), preflight=allow(None, "authorization", APP)),
            "final": Route(ok(APP), preflight=allow(None, "authorization", APP)),
        },
        headers=(("Authorization", "Bearer t"),),
        why="within one origin Authorization stays, so the second hop is preflighted again",
    ),
)
