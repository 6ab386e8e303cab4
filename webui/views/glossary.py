"""The glossary pages: an index that filters without JavaScript, and one page per entry."""

from collections import Counter

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from checker.glossary import KINDS, get_entry, group_by_kind, render_html, search

MAX_QUERY_LENGTH = 200


@require_safe
def index(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    kind = request.GET.get("kind")
    if kind not in KINDS:
        kind = None
    matching = search(query)
    counts = Counter(entry.kind for entry in matching)
    shown = [entry for entry in matching if kind is None or entry.kind == kind]
    context = {
        "query": query,
        "kind": kind,
        "kinds": [(key, label, counts[key]) for key, label in KINDS.items()],
        "total": len(matching),
        "groups": group_by_kind(shown),
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
