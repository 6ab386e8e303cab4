"""The glossary pages: an index that filters without JavaScript, and one page per entry."""

from collections import Counter

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from checker.explain import looks_like_console_message
from checker.glossary import (
    KINDS,
    MAX_SEARCH_LENGTH,
    get_entry,
    group_by_kind,
    render_html,
    search,
)

# A pasted console message with its URLs fits; anything longer is cut, not refused.
MAX_QUERY_LENGTH = MAX_SEARCH_LENGTH


@require_safe
def index(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    kind = request.GET.get("kind")
    if kind not in KINDS:
        kind = None
    matching = search(query)
    counts = Counter(entry.kind for entry in matching)
    shown = [entry for entry in matching if kind is None or entry.kind == kind]
    # A search keeps its ranking (best first); browsing lists entries by kind.
    groups = [("results", "Best matches first", shown)] if query and shown else group_by_kind(shown)
    context = {
        "query": query,
        "max_query_length": MAX_QUERY_LENGTH,
        "console_message": bool(query) and looks_like_console_message(query),
        "kind": kind,
        "kinds": [(key, label, counts[key]) for key, label in KINDS.items()],
        "total": len(matching),
        "groups": groups,
        "shown": len(shown),
    }
    return render(request, "glossary/index.html", context)


@require_safe
def entry(request, slug: str):
    found = get_entry(slug)
    if found is None:
        raise Http404("No glossary entry by that name")
    if found.slug != slug:  # an alias: one address per entry
        return redirect("glossary-entry", slug=found.slug, permanent=True)
    context = {
        "entry": found,
        # Safe: entries are rendered with raw HTML disabled, so only Markdown's own tags appear.
        "body": mark_safe(render_html(found, base_url=reverse("glossary"))),
        "related": [get_entry(slug) for slug in found.related],
    }
    return render(request, "glossary/entry.html", context)
