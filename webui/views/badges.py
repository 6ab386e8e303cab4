"""README badges: ``/badge/<token>.svg`` shows a target's latest public grade in its colour.

The token is a scan's or a target's: either way the badge follows the target, so a badge pasted
once keeps showing the newest grade. Private scans have none, and neither has a target known
only from private scans (a badge must not tell that someone checked it); a target whose public
scans have not produced a grade yet (under way, or the site could not be reached) has a grey
"not checked" one. The SVG is small enough to draw here; its colours are the site's grade
colours (static/webui/site.css, held equal by a test).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from webui.models import Scan, Target
from webui.presenting import GRADE_COLOURS

LABEL = "CORS Check"
NOT_CHECKED = "not checked"
LABEL_COLOUR = "#1b1f24"
# --muted of static/webui/site.css, for a target with no grade yet.
NO_GRADE_COLOUR = "#5b6470"
# Short, so a new grade shows within minutes (GitHub's image proxy honours it too).
MAX_AGE = 300
PADDING = 6


@dataclass(frozen=True)
class Badge:
    value: str  # the grade, or NOT_CHECKED
    colour: str

    @property
    def title(self) -> str:
        if self.value == NOT_CHECKED:
            return f"{LABEL}: {NOT_CHECKED} yet"
        return f"{LABEL}: grade {self.value}"


def text_width(text: str) -> int:
    """About how wide 11 px Verdana draws the text; the SVG stretches it to exactly this
    (textLength), so a missing font cannot make it spill out of its box."""
    widths = {" ": 3.9, "+": 9.2, "A": 7.5, "C": 7.7, "D": 8.5, "F": 6.8, "K": 7.6, "S": 7.5}
    return round(sum(widths.get(c, 7.6 if c.isupper() else 6.4) for c in text))


def badge_for(token: str) -> Badge:
    """The badge a scan's or a target's token shows; Http404 when it has none to show."""
    scan = Scan.objects.filter(token=token).select_related("target").first()
    if scan is not None:
        if scan.private:
            raise Http404("A private scan has no badge.")
        target = scan.target
    else:
        target = get_object_or_404(Target, token=token)
    public = target.scans.filter(private=False)
    latest = public.filter(status=Scan.Status.DONE).order_by("-finished", "-pk").first()
    if latest is not None and latest.grade in GRADE_COLOURS:
        return Badge(latest.grade, GRADE_COLOURS[latest.grade])
    if not public.exists():
        raise Http404("This target has no public scan.")
    return Badge(NOT_CHECKED, NO_GRADE_COLOUR)


def render_svg(badge: Badge) -> bytes:
    label_width = text_width(LABEL)
    value_width = text_width(badge.value)
    left = label_width + 2 * PADDING
    right = value_width + 2 * PADDING
    context = {
        "badge": badge,
        "label": LABEL,
        "label_colour": LABEL_COLOUR,
        "width": left + right,
        "left": left,
        "right": right,
        "label_x": PADDING,
        "label_width": label_width,
        "value_x": left + PADDING,
        "value_width": value_width,
    }
    return render_to_string("webui/badge.svg", context).encode()


@require_safe
def badge(request, token: str):
    body = render_svg(badge_for(token))
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    response = get_conditional_response(request, etag=response["ETag"], response=response)
    # Our pages allow only same-origin loads of what we serve (settings.FIXED_RESPONSE_HEADERS);
    # a badge is made to be shown on other sites, a README on GitHub first of all. Set on the
    # 304 too: a cache revalidating the image must not learn a stricter policy from it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
