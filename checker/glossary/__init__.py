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

    def score(self, words: list[str]) -> tuple[int, int]:
        """(how many of ``words`` the entry contains, the same with head matches counted twice)."""
        head, body = self._search_text
        starts = [
            re.compile(r"\b" + re.escape(word)) for word in words
        ]  # "redirect" finds "redirects"
        in_head = sum(bool(start.search(head)) for start in starts)
        in_any = sum(bool(start.search(head) or start.search(body)) for start in starts)
        return in_any, in_any + in_head

    @functools.cached_property
    def _search_text(self) -> tuple[str, str]:
        head = " ".join((self.slug.replace("-", " "), self.title, self.message or ""))
        return head.casefold(), " ".join((self.summary, self.body_markdown)).casefold()

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


# How much pasted text a search reads: a console message with its URLs fits many times over.
MAX_SEARCH_LENGTH = 4000
# Words too common to tell entries apart, and the words every console message repeats.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "cannot",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "is",
        "it",
        "its",
        "not",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "when",
        "which",
        "with",
        "your",
        "you",
    }
)
_ADDRESS = re.compile(r"\S*://\S*|\bwww\.\S+", re.I)
_WORD = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def query_words(query: str) -> list[str]:
    """The words of a query that can tell entries apart, in order, each once.

    URLs and origins say where a request went, not what went wrong, so they are left out, as are
    stop words and single characters.
    """
    text = _ADDRESS.sub(" ", query[:MAX_SEARCH_LENGTH]).casefold()
    words = []
    for word in _WORD.findall(text):
        if len(word) > 1 and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words


def search(query: str = "", kind: str | None = None) -> list[Entry]:
    """Entries for ``query``, the best first (all, by title, when it is empty).

    A short query (one or two words) keeps the entries containing every word; a longer one, a
    pasted sentence or console message, keeps those containing at least half of its words, and
    when none does, those containing the most. Entries rank by how many words they contain, the
    title, message and slug counting double. When the text is a console message the explainer
    recognises, the entry for the rule it names comes first.
    """
    pool = [entry for entry in load_glossary().values() if kind is None or entry.kind == kind]
    if not query.strip():
        return pool
    words = query_words(query)
    scored = [(entry.score(words), entry) for entry in pool]
    scored = [(score, entry) for score, entry in scored if score[0]]
    if not scored:
        return _explained(query, [], pool)
    need = len(words) if len(words) <= 2 else (len(words) + 1) // 2
    best = max(score[0] for score, _ in scored)
    keep = [(s, e) for s, e in scored if s[0] >= min(need, best if len(words) > 2 else need)]
    keep.sort(key=lambda pair: (-pair[0][1], -pair[0][0], pair[1].title.casefold()))
    return _explained(query, [entry for _, entry in keep], pool)


def _explained(query: str, ranked: list[Entry], pool: list[Entry]) -> list[Entry]:
    """``ranked`` with the entries for the rule a console message names moved to the front."""
    from checker.explain import explain, glossary_for  # the explainer reads the simulator

    found = explain(query)
    if not found.found:
        return ranked
    slugs = [glossary_for(reason) for reason in (found.reason, *found.alternatives)]
    first = [entry for slug in dict.fromkeys(slugs) for entry in pool if entry.slug == slug]
    return first + [entry for entry in ranked if entry not in first]


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
