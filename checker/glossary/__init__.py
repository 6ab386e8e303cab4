"""The glossary: one Markdown file per entry, with YAML front matter, explaining every finding.

Entries live in ``entries/<slug>.md``. The front matter carries ``title``, ``kind`` (see
``KINDS``), a one-sentence ``summary`` that reports show inline, ``related`` slugs, optional
``finding_ids``, optional ``aliases`` (other slugs that name the same entry, so a finding that
uses one still finds its explanation) and, for browser error messages, the ``message`` exactly as
a console prints it.

Bodies link to other entries with the ``glossary:<slug>`` scheme, so the same Markdown renders
correctly on the glossary pages, inside a report or in an email: the caller picks the base URL.
Rendering never lets raw HTML through, so an entry cannot inject markup into a page.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml
from markdown_it import MarkdownIt

ENTRIES_DIR = Path(__file__).parent / "entries"

# kind -> heading used when entries are listed by kind, in display order.
KINDS: dict[str, str] = {
    "concept": "Concepts",
    "header": "CORS headers",
    "security-header": "Security headers",
    "mistake": "Common mistakes",
    "error": "Browser error messages",
}

# fence language -> the label shown above a snippet, so readers see which server it is for.
SNIPPET_LABELS: dict[str, str] = {
    "nginx": "nginx",
    "apache": "Apache",
    "caddy": "Caddyfile",
    "javascript": "JavaScript",
    "python": "Python",
    "http": "HTTP",
    "ini": "INI",
    "xml": "XML",
}

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GLOSSARY_SCHEME = "glossary:"
DEFAULT_BASE_URL = "/glossary/"


class GlossaryError(ValueError):
    """An entry file is malformed; raised at load time so a bad entry never reaches a page."""


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    kind: str
    summary: str
    related: tuple[str, ...] = ()
    finding_ids: tuple[str, ...] = ()
    message: str | None = None  # for kind "error": the console text, placeholders as <...>
    body_markdown: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def html(self) -> str:
        return render_html(self)

    def matches(self, query: str) -> bool:
        """True when every word of the query appears in the title, summary, message or body."""
        haystack = " ".join(
            (self.slug, self.title, self.summary, self.message or "", self.body_markdown)
        ).casefold()
        return all(word in haystack for word in query.casefold().split())


def _link_targets(body: str) -> set[str]:
    return set(re.findall(r"\]\(" + GLOSSARY_SCHEME + r"([a-z0-9-]+)\)", body))


def _string_list(meta: dict, key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise GlossaryError(f"{path.name}: '{key}' must be a list of strings")
    return tuple(value)


def parse_entry(path: Path) -> Entry:
    """Read one entry file; raise GlossaryError when its front matter is incomplete or wrong."""
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        raise GlossaryError(f"{path.name}: the file name is not a kebab-case slug")
    try:
        post = frontmatter.load(path)
    except yaml.YAMLError as error:
        raise GlossaryError(f"{path.name}: the front matter is not valid YAML: {error}") from error
    meta = post.metadata
    for key in ("title", "kind", "summary"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise GlossaryError(f"{path.name}: '{key}' is missing or empty")
    if meta["kind"] not in KINDS:
        raise GlossaryError(f"{path.name}: kind '{meta['kind']}' is not one of {list(KINDS)}")
    message = meta.get("message")
    if meta["kind"] == "error" and not isinstance(message, str):
        raise GlossaryError(f"{path.name}: an error entry needs the console 'message'")
    return Entry(
        slug=slug,
        title=meta["title"].strip(),
        kind=meta["kind"],
        summary=" ".join(meta["summary"].split()),
        related=_string_list(meta, "related", path),
        finding_ids=_string_list(meta, "finding_ids", path),
        message=message,
        body_markdown=post.content.strip() + "\n",
        aliases=_string_list(meta, "aliases", path),
    )


def load_entries(directory: Path) -> dict[str, Entry]:
    """Every entry in ``directory`` by slug, sorted by title; links must resolve inside it."""
    entries = [parse_entry(path) for path in directory.glob("*.md")]
    entries.sort(key=lambda entry: entry.title.casefold())
    glossary = {entry.slug: entry for entry in entries}
    for entry in entries:
        clash = [alias for alias in entry.aliases if alias in glossary]
        if clash:
            raise GlossaryError(f"{entry.slug}.md: aliases {clash} are also entry slugs")
        missing = (set(entry.related) | _link_targets(entry.body_markdown)) - glossary.keys()
        if missing:
            raise GlossaryError(f"{entry.slug}.md: links to unknown entries {sorted(missing)}")
    return glossary


@functools.cache
def load_glossary() -> dict[str, Entry]:
    """The project's glossary; read once per process, since entries ship with the code."""
    return load_entries(ENTRIES_DIR)


@functools.cache
def _aliases() -> dict[str, Entry]:
    return {alias: entry for entry in load_glossary().values() for alias in entry.aliases}


def get_entry(slug: str) -> Entry | None:
    """The entry for a slug or one of its aliases; None when neither exists."""
    return load_glossary().get(slug) or _aliases().get(slug)


def entries_for_finding(finding_id: str) -> list[Entry]:
    """Entries that name this finding id in their front matter."""
    return [entry for entry in load_glossary().values() if finding_id in entry.finding_ids]


def search(query: str = "", kind: str | None = None) -> list[Entry]:
    """Entries matching every word of ``query`` (all when empty), optionally of one kind."""
    return [
        entry
        for entry in load_glossary().values()
        if (kind is None or entry.kind == kind) and entry.matches(query)
    ]


def group_by_kind(entries: list[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(kind, heading, entries) in the display order of KINDS, skipping empty groups."""
    groups = []
    for kind, heading in KINDS.items():
        members = [entry for entry in entries if entry.kind == kind]
        if members:
            groups.append((kind, heading, members))
    return groups


@functools.cache
def _markdown(base_url: str) -> MarkdownIt:
    # commonmark with html off: any tag in an entry is shown as text, never interpreted.
    md = MarkdownIt("commonmark", {"html": False})

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        href = token.attrGet("href") or ""
        if href.startswith(GLOSSARY_SCHEME):
            token.attrSet("href", f"{base_url}{href.removeprefix(GLOSSARY_SCHEME)}/")
        return renderer.renderToken(tokens, idx, options, env)

    def fence(renderer, tokens, idx, options, env):
        html = default_fence(tokens, idx, options, env)
        label = SNIPPET_LABELS.get(
            tokens[idx].info.split(maxsplit=1)[0] if tokens[idx].info else ""
        )
        # A snippet wider than its box scrolls: tabindex lets a keyboard reach and scroll it.
        attributes = f' tabindex="0" data-label="{label}"' if label else ' tabindex="0"'
        return html.replace("<pre>", f"<pre{attributes}>", 1)

    default_fence = md.renderer.rules["fence"]
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("fence", fence)
    return md


@functools.lru_cache(maxsize=512)
def render_markdown(text: str, base_url: str = DEFAULT_BASE_URL) -> str:
    return _markdown(base_url).render(text)


def render_html(entry: Entry, base_url: str = DEFAULT_BASE_URL) -> str:
    """The entry body as safe HTML; ``glossary:`` links point under ``base_url``."""
    return render_markdown(entry.body_markdown, base_url)
