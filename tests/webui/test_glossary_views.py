"""The glossary pages: index, server-side search and kind filter, one entry, aliases, 404."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from checker.glossary import KINDS, load_glossary


class Page(HTMLParser):
    """Collects link targets, headings and the visible text of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self._in_heading = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        self._in_heading = tag in ("h1", "h2")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_heading and data.strip():
            self.headings.append(data.strip())


def get_page(client, url: str, **params) -> Page:
    response = client.get(url, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def entry_links(page: Page) -> set[str]:
    return {link for link in page.links if link.startswith("/glossary/") and link != "/glossary/"}


def test_the_index_lists_every_entry_grouped_by_kind(client):
    page = get_page(client, "/glossary/")

    assert entry_links(page) >= {f"/glossary/{slug}/" for slug in load_glossary()}
    for heading in KINDS.values():
        assert heading in page.headings


def test_the_search_keeps_only_entries_containing_every_word(client):
    page = get_page(client, "/glossary/", q="preflight redirect")

    links = entry_links(page)
    assert "/glossary/error-preflight-redirect-not-allowed/" in links
    assert "/glossary/x-powered-by/" not in links
    assert 'value="preflight redirect"' in client.get("/glossary/?q=preflight+redirect").text


def entry_order(html: str) -> list[str]:
    return re.findall(r'href="(/glossary/[a-z0-9-]+/)"', html)


def test_a_pasted_console_message_finds_its_explanation_first(client):
    message = "It does not have HTTP ok status"
    html = client.get("/glossary/", {"q": message, "kind": "error"}).content.decode()

    assert entry_order(html)[0] == "/glossary/error-preflight-not-ok-status/"


def test_a_whole_pasted_message_finds_its_entry_first_and_offers_the_explainer(client):
    message = (
        "Access to fetch at 'https://api.shop.example/v1/orders' from origin"
        " 'https://www.shop.example' has been blocked by CORS policy: No"
        " 'Access-Control-Allow-Origin' header is present on the requested resource. If an opaque"
        " response serves your needs, set the request's mode to 'no-cors' to fetch the resource"
        " with CORS disabled.\nFailed to load resource: net::ERR_FAILED"
    )
    assert len(message) > 200
    response = client.get("/glossary/", {"q": message})
    html = response.content.decode()
    assert entry_order(html)[0] == "/glossary/error-no-allow-origin-header/"
    assert "This looks like a browser console message" in html
    assert re.search(r'href="/explain/\?message=Access\+to\+fetch', html)
    assert f'maxlength="{4000}"' in html


def test_the_kind_filter_shows_one_kind_and_keeps_the_query_in_its_links(client):
    page = get_page(client, "/glossary/", kind="security-header", q="cookie")

    links = entry_links(page)
    assert "/glossary/set-cookie/" in links
    assert not any(link.startswith("/glossary/mistake-") for link in links)
    assert "?q=cookie&kind=mistake" in page.links or "?kind=mistake&q=cookie" in page.links


def test_an_unknown_kind_is_ignored(client):
    page = get_page(client, "/glossary/", kind="<script>")

    assert len(entry_links(page)) >= len(load_glossary())


def test_a_search_without_matches_says_so(client):
    page = get_page(client, "/glossary/", q="qwertyuiop")

    assert entry_links(page) == set()
    assert "No entry contains those words" in "".join(page.text)


def test_the_query_is_escaped_when_shown(client):
    response = client.get("/glossary/", {"q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)" in response.content


def test_an_entry_page_shows_the_body_and_links_related_entries(client):
    page = get_page(client, "/glossary/mistake-reflected-origin-with-credentials/")

    assert page.headings[0] == "Reflected origin with credentials"
    assert {"What it is", "Why it matters", "How to fix it", "Related entries"} <= set(
        page.headings
    )
    assert "/glossary/access-control-allow-credentials/" in page.links
    html = client.get("/glossary/mistake-reflected-origin-with-credentials/").text
    assert '<code class="language-python">' in html


def test_an_error_entry_shows_the_console_message(client):
    html = client.get("/glossary/error-header-not-allowed/").text

    assert (
        "Request header field &lt;name&gt; is not allowed by Access-Control-Allow-Headers" in html
    )


def test_an_alias_redirects_permanently_to_its_entry(client):
    response = client.get("/glossary/mistake-wildcard-authorization/")

    assert response.status_code == 301
    assert response["Location"] == "/glossary/mistake-allow-headers-wildcard-authorization/"


def test_an_unknown_entry_is_not_found(client):
    assert client.get("/glossary/no-such-entry/").status_code == 404


def test_the_pages_refuse_posts(client):
    assert client.post("/glossary/").status_code == 405
    assert client.post("/glossary/vary/").status_code == 405


@pytest.mark.parametrize("slug", sorted(load_glossary()))
def test_every_entry_page_renders(client, slug):
    response = client.get(f"/glossary/{slug}/")

    assert response.status_code == 200
    assert "<script" not in response.text.split("<main", 1)[1]


def test_a_long_pasted_query_is_shown_shortened_but_searched_whole(client):
    message = (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource"
        " at https://api.shop.example/v1/orders. (Reason: CORS header ‘Access-Control-Allow-Origin’"
        " missing). Status code: 200." + " " * 10 + "padding " * 300
    )
    html = client.get("/glossary/", {"q": message}).content.decode()

    assert entry_order(html)[0] == "/glossary/error-no-allow-origin-header/"
    title = re.search(r"(?s)<title>(.*?)</title>", html).group(1)
    status = re.search(r'(?s)<p class="glossary-status" role="status">(.*?)</p>', html).group(1)
    assert len(title) < 150 and "padding" not in title
    assert len(status) < 300 and "padding" not in status
