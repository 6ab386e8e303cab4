"""What a report offers for use elsewhere: the share card a pasted link previews with, and the
badge snippets for a README. Tags, so the report view stays as it is."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.html import escape

from checker import Report
from webui.mail import absolute
from webui.models import Scan
from webui.presenting import share_description

register = template.Library()

SITE_NAME = "CORS Check"
PRIVATE_TITLE = "A private CORS Check report"
PRIVATE_DESCRIPTION = "This report is private: only people with the link can see it."


@dataclass(frozen=True)
class ShareCard:
    title: str
    description: str
    url: str


@register.simple_tag
def share_card(scan: Scan, report: Report | None) -> ShareCard:
    """Open Graph and Twitter fields for the report page. A private report's card says only
    that it is private: a preview is shown to everyone in a chat, not only to who opens it."""
    url = absolute(scan.get_absolute_url())
    if scan.private:
        return ShareCard(PRIVATE_TITLE, PRIVATE_DESCRIPTION, url)
    target = scan.target_url
    if scan.status == Scan.Status.DONE and report is not None:
        title = f"Grade {scan.grade} for {target}"
        return ShareCard(title, share_description(report), url)
    if scan.is_active:
        description = "A CORS and security-header check of this site is under way."
        return ShareCard(f"Checking {target}", description, url)
    return ShareCard(f"{target} could not be checked", scan.error or scan.get_status_display(), url)


@dataclass(frozen=True)
class BadgeLinks:
    image: str  # the SVG, absolute: for pasting elsewhere
    preview: str  # the SVG's path, for our own page
    page: str  # where the badge links to: the target's history
    alt: str

    @property
    def markdown(self) -> str:
        return f"[![{self.alt}]({self.image})]({self.page})"

    @property
    def html(self) -> str:
        page, image, alt = escape(self.page), escape(self.image), escape(self.alt)
        return f'<a href="{page}"><img src="{image}" alt="{alt}" height="20"></a>'


@register.simple_tag
def badge_links(scan: Scan) -> BadgeLinks | None:
    """The README snippets of a public report's target; None for a private one (no badge)."""
    if scan.private:
        return None
    token = scan.target.token
    path = reverse("badge", args=[token])
    return BadgeLinks(
        image=absolute(path),
        preview=path,
        page=absolute(reverse("target-history", args=[token])),
        # The host only: a host name needs no escaping in Markdown or HTML.
        alt=f"CORS Check grade of {scan.site.host}",
    )
