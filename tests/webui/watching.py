"""Helpers for the subscription tests: scans to watch, the subscribe form, links from mails."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from django.utils import timezone

from tests.smtp import body
from webui.models import Scan, Site

ADDRESS = "watcher@example.com"
LINK = re.compile(r"https?://[^\s<>\"']+")


def ended_scan(
    url: str = "https://example.com/",
    status: str = Scan.Status.DONE,
    private: bool = False,
    **fields,
) -> Scan:
    """A scan row as the worker leaves it (without a report: these pages do not need one)."""
    site, _ = Site.objects.get_or_create(host=urlsplit(url).hostname)
    values = {"finished": timezone.now(), "error": "" if status == Scan.Status.DONE else "No."}
    if status == Scan.Status.DONE:
        values.update(grade="B", score=80)
    return Scan.objects.create(
        site=site,
        target_raw=url,
        target_url=url,
        status=status,
        private=private,
        **{**values, **fields},
    )


def subscribe(client, scan: Scan, email: str = ADDRESS, **fields):
    form = {"email": email, "frequency": "daily", "mode": "changes", **fields}
    extra = {key: form.pop(key) for key in list(form) if key.isupper()}  # REMOTE_ADDR and such
    return client.post(f"/r/{scan.token}/subscribe/", form, **extra)


def path_of(url: str) -> str:
    """A link from a mail (SITE_URL and a path) as the test client asks for it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_in(message: EmailMessage, prefix: str) -> str:
    """The path of the first link in the plain body that leads to ``prefix``."""
    for url in LINK.findall(body(message, "plain")):
        if path_of(url).startswith(prefix):
            return path_of(url)
    raise AssertionError(f"no {prefix} link in:\n{body(message, 'plain')}")


def one_click_path(message: EmailMessage) -> str:
    """The path of the List-Unsubscribe header's link (a long header is folded after its colon,
    hence the strip)."""
    header = message["List-Unsubscribe"].strip()
    assert header.startswith("<") and header.endswith(">"), header
    return path_of(header[1:-1])
