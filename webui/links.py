"""Signed links in mails: one salt per purpose, so a link made for one thing opens nothing else.

Confirmation and "manage my subscriptions" links expire; unsubscribe links do not (RFC 8058
asks that the link in an old mail still works). The signature covers the payload; what a link
may still do (a confirmation works once) is decided by the row it names.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from webui.mail import absolute
from webui.models import Subscription

CONFIRM_SALT = "corscheck.subscription.confirm"
UNSUBSCRIBE_SALT = "corscheck.subscription.unsubscribe"
MANAGE_SALT = "corscheck.subscription.manage"


def sign(payload: dict, salt: str) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def unsign(value: str, salt: str, max_age: int | None = None) -> dict:
    """The payload of a signed link; signing.BadSignature (or its SignatureExpired) otherwise."""
    return signing.loads(value, salt=salt, max_age=max_age)


def confirm_url(subscription: Subscription) -> str:
    signed = sign({"s": subscription.pk, "e": subscription.email}, CONFIRM_SALT)
    return absolute(reverse("subscription-confirm", args=[signed]))


def unsubscribe_url(subscription: Subscription) -> str:
    signed = sign({"s": subscription.pk, "e": subscription.email}, UNSUBSCRIBE_SALT)
    return absolute(reverse("unsubscribe", args=[signed]))


def manage_url(email: str) -> str:
    return absolute(reverse("subscriptions-manage", args=[sign({"e": email}, MANAGE_SALT)]))


def list_unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirm_max_age() -> int:
    return settings.SUBSCRIPTION_CONFIRM_MAX_AGE


def manage_max_age() -> int:
    return settings.SUBSCRIPTION_MANAGE_MAX_AGE
