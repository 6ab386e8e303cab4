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
# Every subscription of one address at once: the link in a mail that is about no single one.
UNSUBSCRIBE_ALL_SALT = "corscheck.subscription.unsubscribe-all"


def sign(payload: dict, salt: str) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def unsign(value: str, salt: str, max_age: int | None = None) -> dict:
    """The payload of a signed link; signing.BadSignature (or its SignatureExpired) otherwise."""
    return signing.loads(value, salt=salt, max_age=max_age)


def confirm_url(subscription: Subscription) -> str:
    signed = sign({"s": subscription.pk, "e": subscription.email}, CONFIRM_SALT)
    return absolute(reverse("subscription-confirm", args=[signed]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(unsubscribe_path(subscription))


def unsubscribe_path(subscription: Subscription) -> str:
    """The same link on one of our own pages."""
    signed = sign({"s": subscription.pk, "e": subscription.email}, UNSUBSCRIBE_SALT)
    return reverse("unsubscribe", args=[signed])


def manage_url(email: str) -> str:
    return absolute(reverse("subscriptions-manage", args=[sign({"e": email}, MANAGE_SALT)]))


def unsubscribe_all_url(email: str) -> str:
    """Ends every subscription of the address; served by the same view as unsubscribe_url."""
    return absolute(reverse("unsubscribe", args=[sign({"e": email}, UNSUBSCRIBE_ALL_SALT)]))


def list_unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    return one_click_headers(unsubscribe_url(subscription))


def list_unsubscribe_all_headers(email: str) -> dict[str, str]:
    """The same for a mail about no single subscription (the "manage" link)."""
    return one_click_headers(unsubscribe_all_url(email))


def one_click_headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirm_max_age() -> int:
    return settings.SUBSCRIPTION_CONFIRM_MAX_AGE


def manage_max_age() -> int:
    return settings.SUBSCRIPTION_MANAGE_MAX_AGE
