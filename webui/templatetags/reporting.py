"""Filters of the report page."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# After a dot, a comma or a port's colon; never inside the scheme's "://".
_AFTER_PUNCTUATION = re.compile(r"([.,]|:(?=\d))")


@register.filter
def breakable(value) -> str:
    """The value escaped, with a line-break opportunity (<wbr>) after each dot and comma and
    a port's colon: a long origin wraps between its labels instead of in the middle of one."""
    return mark_safe(_AFTER_PUNCTUATION.sub(r"\1<wbr>", str(escape(value))))
