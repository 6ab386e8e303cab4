"""Every email the site sends, rendered by one function from three templates per message.

``emails/<name>-subject.txt`` (one line), ``emails/<name>-body.txt`` and
``emails/<name>-body.html``. Text templates start with ``{% autoescape off %}``: Django escapes
HTML in every template it renders, and a plain-text mail must not show ``&amp;``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

QUEUED_BACKEND = "webui.mail.QueuedBackend"


def absolute(path: str) -> str:
    """A link for a mail: SITE_URL (the public address) and the path."""
    return settings.SITE_URL + path


def render(name: str, context: dict) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of the mail ``name``."""
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send(
    name: str,
    to: str,
    context: dict,
    headers: dict[str, str] | None = None,
    *,
    deliver_now: bool = False,
) -> None:
    """Render the mail ``name`` with ``context`` and send it to one address.

    From a web request it goes through EMAIL_BACKEND, which in a deployment hands it to the
    worker (QueuedBackend). The worker's own mails pass ``deliver_now``: they go to the mail
    server at once, so the caller sees a refusal and can try again later.
    """
    subject, text, html = render(name, context)
    connection = delivery_connection() if deliver_now else None
    message = EmailMultiAlternatives(
        subject, text, to=[to], headers=headers or {}, connection=connection
    )
    message.attach_alternative(html, "text/html")
    message.send()


def delivery_connection():
    """A connection to what really delivers mail (SMTP, the console, a test's outbox)."""
    if settings.EMAIL_BACKEND == QUEUED_BACKEND:
        return get_connection(settings.EMAIL_DELIVERY_BACKEND)
    return get_connection()


def to_task(message: EmailMultiAlternatives) -> dict:
    """A rendered message as JSON for the task queue."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in message.alternatives],
    }


def deliver(queued: dict) -> None:
    """Send a message the web process queued (see QueuedBackend); the worker runs this."""
    message = EmailMultiAlternatives(
        queued["subject"],
        queued["body"],
        from_email=queued["from_email"],
        to=queued["to"],
        headers=queued["headers"],
        connection=delivery_connection(),
    )
    for content, mimetype in queued["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()


class QueuedBackend(BaseEmailBackend):
    """Hands each message to the worker (the task deliver_mail) instead of the mail server, so
    a web request never waits on an outbound connection. The worker delivers it with
    EMAIL_DELIVERY_BACKEND and retries while the mail server is unreachable. A broker that is
    down raises here, as a queued scan does (webui.queueing.BROKER_DOWN)."""

    def send_messages(self, email_messages) -> int:
        from webui.tasks import deliver_mail  # tasks import this module

        for message in email_messages:
            deliver_mail.apply_async((to_task(message),), retry=True)
        return len(email_messages)
