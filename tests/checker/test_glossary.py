"""The glossary: every entry parses, links resolve, rendering is safe, and findings are covered."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker import glossary
from checker.findings import CATALOGUE, ROWS
from checker.glossary import (
    KINDS,
    GlossaryError,
    get_entry,
    load_entries,
    load_glossary,
    parse_entry,
    query_words,
    render_markdown,
    search,
)

ROOT = Path(__file__).resolve().parents[2]

# The slugs the project brief asks for by name; findings and pages link to them.
REQUIRED_SLUGS = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-allow-private-network",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "origin",
    "vary",
    "strict-transport-security",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-embedder-policy",
    "cross-origin-resource-policy",
    "set-cookie",
    "server",
    "x-powered-by",
    "x-xss-protection",
    "expect-ct",
    "public-key-pins",
    "same-origin-policy",
    "simple-requests",
    "preflight-request",
    "credentialed-requests",
    "cors-safelisted-request-headers",
    "cors-safelisted-methods",
    "cors-is-not-authentication",
    "cors-is-not-csrf-protection",
    "rate-limiting",
    "private-network-access",
    "https-redirect",
    "cookie-prefixes",
    "web-origin",
    "null-origin",
    "mistake-reflected-origin",
    "mistake-reflected-origin-with-credentials",
    "mistake-null-origin-trusted",
    "mistake-origin-prefix-match",
    "mistake-origin-suffix-match",
    "mistake-origin-substring-match",
    "mistake-unescaped-dot",
    "mistake-special-character-bypass",
    "mistake-any-subdomain-trusted",
    "mistake-http-origin-trusted",
    "mistake-wildcard-with-credentials",
    "mistake-multiple-origins-in-header",
    "mistake-origin-with-path-or-slash",
    "mistake-allow-credentials-not-true",
    "mistake-missing-vary-origin",
    "mistake-preflight-rejected",
    "mistake-allow-headers-wildcard-authorization",
    "mistake-wildcard-literal-with-credentials",
    "mistake-max-age-above-browser-cap",
    "mistake-cors-missing-on-errors",
    "error-no-allow-origin-header",
    "error-wildcard-origin-with-credentials",
    "error-preflight-not-ok-status",
    "error-header-not-allowed",
    "error-method-not-allowed",
    "error-multiple-allow-origin-values",
    "error-allow-origin-mismatch",
    "error-allow-credentials-not-true",
    "error-preflight-redirect-not-allowed",
]

# Tags markdown-it produces from plain Markdown; anything else would mean raw HTML got through.
MARKDOWN_TAGS = {
    "p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "code", "pre", "a", "em", "strong",
    "blockquote", "hr", "br", "img",
}  # fmt: skip


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs.extend(value or "" for name, value in attrs if name == "href")


def collect(html: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(html)
    return collector


def write_entry(directory: Path, slug: str, front: str, body: str = "## What it is\n\nText.\n"):
    path = directory / f"{slug}.md"
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")
    return path


ENTRIES = list(load_glossary().values())


def test_the_glossary_holds_between_seventy_and_ninety_five_entries():
    assert 70 <= len(ENTRIES) <= 95


@pytest.mark.parametrize("slug", REQUIRED_SLUGS)
def test_every_required_slug_has_an_entry(slug):
    assert get_entry(slug) is not None, f"no entry for {slug}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_every_entry_has_a_title_a_known_kind_and_a_one_sentence_summary(entry):
    assert entry.title
    assert entry.kind in KINDS
    assert entry.summary.endswith(".")
    # one sentence: no full stop followed by a capitalised word inside it
    assert not re.search(r"[.!?] [A-Z]", entry.summary), entry.summary
    assert len(entry.summary) <= 240


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_every_entry_explains_what_it_is_why_it_matters_and_what_to_do(entry):
    headings = re.findall(r"^## (.+)$", entry.body_markdown, flags=re.MULTILINE)
    assert headings[:2] == ["What it is", "Why it matters"]
    expected = "What to do" if entry.kind == "concept" else "How to fix it"
    assert headings[2:] == [expected]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_related_slugs_name_existing_entries_other_than_itself(entry):
    assert entry.related, "every entry should point somewhere further"
    for slug in entry.related:
        assert slug != entry.slug
        assert get_entry(slug) is not None


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_slugs_follow_the_naming_convention_for_their_kind(entry):
    if entry.kind == "mistake":
        assert entry.slug.startswith("mistake-")
    elif entry.kind == "error":
        assert entry.slug.startswith("error-")
    else:
        assert not entry.slug.startswith(("mistake-", "error-"))
    if entry.kind in ("header", "security-header"):
        assert entry.slug == entry.title.lower()


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e.kind == "error"], ids=lambda entry: entry.slug
)
def test_error_entries_quote_the_console_message_in_their_title_or_body(entry):
    assert entry.message
    fixed_part = entry.message.split("<")[0].strip(" '`")
    assert fixed_part[:30] in entry.title + entry.body_markdown + entry.message


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_rendered_entries_contain_only_markdown_generated_tags(entry):
    collector = collect(entry.html)
    assert collector.tags <= MARKDOWN_TAGS, collector.tags - MARKDOWN_TAGS
    for href in collector.hrefs:
        assert href.startswith(("/glossary/", "https://")), href


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_every_code_fence_names_its_language(entry):
    fences = re.findall(r"^```(.*)$", entry.body_markdown, flags=re.MULTILINE)
    assert len(fences) % 2 == 0
    openings = fences[::2]
    assert all(openings), f"a fence without a language in {entry.slug}"


# Settings that let every origin in; an entry may name them in prose as the thing to avoid,
# but must never offer them as a snippet to copy.
ANY_ORIGIN_SNIPPETS = (
    "origin: true",
    "CORS_ALLOW_ALL_ORIGINS = True",
    'allow_origins=["*"]',
    'origins="*"',
    "Access-Control-Allow-Origin $http_origin",
    "Access-Control-Allow-Origin: null",
)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_no_snippet_configures_an_unchecked_origin(entry):
    snippets = re.findall(r"^```[^\n]*\n(.*?)^```", entry.body_markdown, re.MULTILINE | re.DOTALL)
    for snippet in snippets:
        for bad in ANY_ORIGIN_SNIPPETS:
            assert bad not in snippet, f"{entry.slug} offers {bad!r}"


def test_raw_html_in_an_entry_is_shown_as_text(tmp_path):
    path = write_entry(
        tmp_path,
        "hostile",
        "title: Hostile\nkind: concept\nsummary: Tries to inject.\nrelated: []",
        '## What it is\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n',
    )
    html = glossary.render_html(parse_entry(path))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_javascript_links_are_not_rendered_as_links():
    html = render_markdown("[click](javascript:alert(1))")
    assert "<a" not in html


def test_glossary_links_point_under_the_chosen_base_url():
    text = "See [Vary](glossary:vary)."
    assert '<a href="/glossary/vary/">Vary</a>' in render_markdown(text)
    assert '<a href="/r/abc/explain/vary/">' in render_markdown(text, "/r/abc/explain/")


def test_code_fences_get_a_language_class():
    html = render_markdown("```nginx\nadd_header Vary Origin always;\n```\n")
    assert '<code class="language-nginx">' in html


def test_snippets_are_labelled_with_the_server_they_are_for():
    html = render_markdown("```caddy\nheader -Server\n```\n\n```text\nplain\n```\n")
    assert '<pre tabindex="0" data-label="Caddyfile"><code class="language-caddy">' in html
    assert '<pre tabindex="0"><code class="language-text">' in html


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.slug)
def test_finding_ids_look_like_finding_ids(entry):
    for finding_id in entry.finding_ids:
        assert re.fullmatch(r"[a-z-]+\.[a-z0-9]+(-[a-z0-9]+)*", finding_id), finding_id


def test_an_alias_finds_the_entry_it_names():
    assert get_entry("mistake-wildcard-authorization").slug == (
        "mistake-allow-headers-wildcard-authorization"
    )


def test_an_alias_that_is_also_a_slug_is_refused(tmp_path):
    write_entry(tmp_path, "one", "title: One\nkind: concept\nsummary: One.\naliases: [two]")
    write_entry(tmp_path, "two", "title: Two\nkind: concept\nsummary: Two.")
    with pytest.raises(GlossaryError, match="aliases"):
        load_entries(tmp_path)


def test_entries_for_a_finding_are_those_that_name_it():
    slugs = {
        entry.slug for entry in glossary.entries_for_finding("cors.reflect-origin-credentials")
    }
    assert slugs == {"mistake-reflected-origin-with-credentials"}


def test_an_entry_with_an_unknown_kind_is_refused(tmp_path):
    path = write_entry(tmp_path, "odd", "title: Odd\nkind: recipe\nsummary: Odd.")
    with pytest.raises(GlossaryError, match="kind 'recipe'"):
        parse_entry(path)


def test_an_entry_without_a_summary_is_refused(tmp_path):
    path = write_entry(tmp_path, "bare", "title: Bare\nkind: concept")
    with pytest.raises(GlossaryError, match="'summary'"):
        parse_entry(path)


def test_an_error_entry_without_its_console_message_is_refused(tmp_path):
    path = write_entry(tmp_path, "error-vague", "title: Vague\nkind: error\nsummary: Vague.")
    with pytest.raises(GlossaryError, match="message"):
        parse_entry(path)


def test_front_matter_that_is_not_yaml_is_refused_with_the_file_name(tmp_path):
    path = write_entry(tmp_path, "broken", "title: Missing Vary: Origin\nkind: concept")
    with pytest.raises(GlossaryError, match="broken.md"):
        parse_entry(path)


def test_a_file_name_that_is_not_a_slug_is_refused(tmp_path):
    path = write_entry(tmp_path, "Not_A_Slug", "title: X\nkind: concept\nsummary: X.")
    with pytest.raises(GlossaryError, match="slug"):
        parse_entry(path)


def test_a_link_to_a_missing_entry_is_refused_when_loading(tmp_path):
    write_entry(
        tmp_path,
        "lonely",
        "title: Lonely\nkind: concept\nsummary: Lonely.\nrelated: []",
        "## What it is\n\nSee [nowhere](glossary:nowhere).\n",
    )
    with pytest.raises(GlossaryError, match="nowhere"):
        load_entries(tmp_path)


def test_search_needs_every_word_of_the_query():
    found = {entry.slug for entry in search("preflight redirect")}
    assert "error-preflight-redirect-not-allowed" in found
    assert "x-powered-by" not in found
    assert search("preflight zzzznothing") == []


def test_search_can_be_limited_to_one_kind():
    errors = search("", kind="error")
    assert errors and all(entry.kind == "error" for entry in errors)
    assert len(search("")) == len(ENTRIES)


def test_a_pasted_console_message_finds_its_entry():
    pasted = "It does not have HTTP ok status"
    assert search(pasted, kind="error")[0].slug == "error-preflight-not-ok-status"


FULL_MESSAGES = [
    (
        "Access to fetch at 'https://api.shop.example/v1/orders?page=2&sort=desc' from origin"
        " 'https://www.shop.example' has been blocked by CORS policy: Response to preflight request"
        " doesn't pass access control check: It does not have HTTP ok status.\n"
        "Failed to load resource: net::ERR_FAILED",
        "error-preflight-not-ok-status",
    ),
    (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource"
        " at https://api.shop.example/v1/orders. (Reason: CORS header ‘Access-Control-Allow-Origin’"
        " missing). Status code: 200.",
        "error-no-allow-origin-header",
    ),
    (
        "[Error] Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is"
        " true.\n[Error] Fetch API cannot load https://api.shop.example/v1/me due to access"
        " control checks.",
        "error-wildcard-origin-with-credentials",
    ),
]


@pytest.mark.parametrize(("message", "slug"), FULL_MESSAGES)
def test_a_full_pasted_message_with_urls_finds_its_entry_first(message, slug):
    assert len(message) > 150
    assert search(message)[0].slug == slug


def test_a_long_question_ranks_entries_by_the_words_they_share():
    found = [entry.slug for entry in search("why is a wildcard origin refused with credentials?")]
    assert found[0] == "error-wildcard-origin-with-credentials"
    assert "x-powered-by" not in found


def test_urls_and_stop_words_are_not_searched_for():
    assert query_words("The header is missing at https://cookie.example/x www.vary.example") == [
        "header",
        "missing",
    ]
    assert search("https://example.com/preflight") == []


def test_pasted_text_is_read_up_to_a_few_kilobytes():
    padding = "lorem " * 2000
    assert search(padding + "preflight") == []  # the word is past the limit
    assert len(query_words("preflight " + padding)) == 2


def test_get_entry_returns_none_for_an_unknown_slug():
    assert get_entry("no-such-entry") is None


def test_every_catalogue_row_names_an_entry_that_exists():
    missing = {row.id: row.glossary for row in ROWS if get_entry(row.glossary) is None}
    assert missing == {}


# Local servers that make as many analyzers speak as possible: every finding they produce must
# have a catalogue row and link to an entry (the catalogue forbids an id without a row).
def reflect_everything(request):
    origin = request.headers.get("Origin") or "https://evil.example"
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "*"),
        ("Access-Control-Allow-Headers", "*"),
        ("Access-Control-Max-Age", "31536000"),
        ("Access-Control-Allow-Private-Network", "true"),
        ("Server", "Apache/2.4.1 (Unix)"),
        ("X-Powered-By", "PHP/8.1.2"),
        ("X-AspNet-Version", "4.0.30319"),
        ("X-XSS-Protection", "1; mode=block"),
        ("Expect-CT", "max-age=86400, enforce"),
        ("Public-Key-Pins", 'pin-sha256="AAAA"; max-age=100'),
        ("Set-Cookie", "__Host-session=1; Domain=example.com"),
        ("Set-Cookie", "sessionid=2; SameSite=None"),
        ("Content-Security-Policy", "script-src 'self' 'unsafe-inline' https:; bogus"),
        ("X-Frame-Options", "ALLOW-FROM https://evil.example"),
        ("X-Content-Type-Options", "sniff"),
        ("Referrer-Policy", "unsafe-url"),
        ("Permissions-Policy", "camera=(self https://x.example"),
        ("Feature-Policy", "camera 'none'"),
        ("Cross-Origin-Opener-Policy", "same-origin-please"),
        ("Cross-Origin-Embedder-Policy", "require-corp"),
        ("Cross-Origin-Resource-Policy", "everyone"),
        ("Strict-Transport-Security", "max-age=60; preload"),
    ]
    return 200, headers, b"<html><head><meta http-equiv='Content-Security-Policy'></head></html>"


def wildcard_and_failing_preflights(request):
    if request.method == "OPTIONS":
        return 405, [("Allow", "GET")], b""
    if request.path.startswith("/") and request.method == "GET" and "error" in request.path:
        return 500, [], b"oops"
    headers = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Credentials", "True"),
        ("Access-Control-Expose-Headers", "*"),
    ]
    return 200, headers, b""


def several_origins(request):
    headers = [
        ("Access-Control-Allow-Origin", "https://a.example, https://b.example"),
        ("Access-Control-Allow-Origin", "https://c.example/"),
        ("Access-Control-Allow-Credentials", "yes"),
    ]
    return 200, headers, b""


def plain(request):
    return 200, [("Content-Type", "text/html")], b"<html></html>"


@pytest.mark.parametrize(
    "responder", [reflect_everything, wildcard_and_failing_preflights, several_origins, plain]
)
@pytest.mark.parametrize("server", ["target_server", "tls_target_server"])
def test_every_finding_of_a_real_scan_links_to_an_entry(
    responder, server, request, checker_options
):
    from checker import Status, scan

    target = request.getfixturevalue(server)
    target.responder = responder
    report = scan(target.url + "/", checker_options)

    assert report.status is Status.OK
    assert report.findings
    assert {f.id for f in report.findings} <= set(CATALOGUE)
    missing = {f.id: f.glossary for f in report.findings if get_entry(f.glossary) is None}
    assert not missing, f"findings whose glossary entry is missing: {missing}"
