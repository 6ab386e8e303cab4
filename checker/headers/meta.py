"""``<meta http-equiv>`` pragmas in a page's head, read with the standard library's HTML parser.

Browsers act on a Content-Security-Policy meta tag only inside ``<head>``; the scan stops at the
first sign of the body. The body handed in is already capped by the engine.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements that only appear in a body: their start means the head is over.
_BODY_START = frozenset(
    {"body", "div", "p", "main", "article", "section", "header", "footer", "nav", "h1", "img"}
)


_SLICE = 8192


class _HeadMeta(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pragmas: list[tuple[str, str]] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag in _BODY_START:
            self.done = True
            return
        if tag != "meta":
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if "http-equiv" in values and "content" in values:
            self.pragmas.append((values["http-equiv"].strip().lower(), values["content"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True


def http_equiv(html: str, name: str) -> list[str]:
    """The content of every ``<meta http-equiv=name>`` in the head, in document order."""
    parser = _HeadMeta()
    try:
        # In slices, so that a long body is not parsed past the end of its head.
        for start in range(0, len(html), _SLICE):
            parser.feed(html[start : start + _SLICE])
            if parser.done:
                break
        parser.close()
    except Exception:  # noqa: BLE001 - a hostile page must not stop the scan; keep what was read
        pass
    name = name.lower()
    return [content for equiv, content in parser.pragmas if equiv == name]
