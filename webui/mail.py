"""Every email the site sends, rendered by one function from three templates per message.

``emails/<name>-subject.txt`` (one line), ``emails/<name>-body.txt`` and
``emails/<name>-body.html``. Text templates start with ``{% autoescape off %}``: Django escapes
HTML in every template it renders, and a plain-text mail must not show ``&amp;``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute(path: str) -> str:
    """A link for a mail: SITE_URL (the public address) and the path."""
    return settings.SITE_URL + path


def render(name: str, context: dict) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of the mail ``name``."""
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send(name: str, to: str, context: dict, headers: dict[str, str] | None = None) -> None:
    """Render the mail ``name`` with ``context`` and send it to one address."""
    subject, text, html = render(name, context)
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    message.send()
