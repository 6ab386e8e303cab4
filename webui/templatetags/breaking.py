"""Long URLs and host names that wrap where a reader expects: after a slash or before a dot.

`overflow-wrap: anywhere` alone breaks "https://example.com/waiting" as "…/waiti" + "ng"; with
a `<wbr>` (a line-break opportunity, invisible and not copied) at each separator the browser
prefers those places and cuts inside a word only when one piece is still too long.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# After "/" (not between the two of "//"), before ".", "?", "&", "#" and after "=" and ",".
SEPARATOR = re.compile(r"(?<=/)(?!/)|(?=[.?&#])|(?<=[=,])")


@register.filter
def breakable(value) -> str:
    text = str(value)
    pieces = SEPARATOR.split(text)
    return mark_safe("<wbr>".join(escape(piece) for piece in pieces if piece))
