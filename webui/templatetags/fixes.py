"""{% other_fixes item.snippets prefix n %}: a finding's fixes for the other servers and
frameworks, one radio button and one panel each (report.css shows the checked one).

Written in Python rather than as a template loop: a report has a dozen findings with a dozen
snippets each, and the loop was most of the time it took to render a report.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

PICK = (
    '<input class="fix__pick" type="radio" name="fix-{0}-{1}" id="fix-{0}-{1}-{2}">'
    '<label class="fix__pick-label" for="fix-{0}-{1}-{2}">{3}</label>'
)
PANEL = '<pre class="fix__code fix__panel" data-label="{0}, {1}"><code>{2}</code></pre>'
OTHERS = (
    '<details class="fix__others">\n'
    "  <summary>Another server or framework</summary>\n"
    '  <fieldset class="fix__chooser">\n'
    '    <legend class="visually-hidden">Show the fix for</legend>\n'
    "    {}\n"
    '    <div class="fix__panels">\n'
    "      {}\n"
    "    </div>\n"
    "  </fieldset>\n"
    "</details>"
)


@register.simple_tag
def other_fixes(snippets, prefix, n) -> str:
    others = tuple(snippets)[1:]
    if not others:
        return ""
    picks = format_html_join(
        "", PICK, ((prefix, n, snippet.framework, snippet.label) for snippet in others)
    )
    panels = format_html_join(
        "", PANEL, ((snippet.label, snippet.place, snippet.code) for snippet in others)
    )
    return format_html(OTHERS, picks, panels)
