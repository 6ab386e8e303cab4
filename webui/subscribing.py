"""Subscribing to re-checks: double opt-in, the limits against abuse, and the mails they send.

Whatever state an address is in — new, waiting for its confirmation, already subscribed, at the
cap on targets — the visitor gets the same answer and the address one mail saying what happened,
so the form tells a stranger nothing about anyone's subscriptions. Only the limits speak on the
page: they are about the asker (its network) or about how much we mail one address, not about
subscriptions.

Mails are sent from the web request: the relay is our own (EMAIL_HOST), not an address a
stranger typed, and the visitor must learn at once when it is down.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from checker.analyze.evidence import plural
from webui import limits, links, mail, queueing
from webui.clients import client_key
from webui.models import Scan, Subscription, Target

log = logging.getLogger(__name__)

SUBSCRIBE_CLIENT_GROUP = "subscribe-client"
SUBSCRIBE_ADDRESS_GROUP = "subscribe-address"
MANAGE_CLIENT_GROUP = "manage-link-client"
MANAGE_ADDRESS_GROUP = "manage-link-address"

SUBSCRIBE_CLIENT_MESSAGE = (
    "Too many subscription requests from your network today: the limit is {limit} a day. "
    "Nothing was sent; please try again in {wait}."
)
SUBSCRIBE_ADDRESS_MESSAGE = (
    "This address has already been sent as many mails from this form today as we send one "
    "address in a day ({limit}). Nothing was sent; please try again in {wait}, or use the "
    "link in a mail you already have."
)
MANAGE_CLIENT_MESSAGE = (
    "Too many requests for links from your network today: the limit is {limit} a day. Nothing "
    "was sent; please try again in {wait}."
)
MANAGE_ADDRESS_MESSAGE = (
    "This address has already been sent as many links today as we send one address in a day "
    "({limit}). Nothing was sent; please try again in {wait}, or use a link you already have."
)
MAIL_DOWN_MESSAGE = (
    "We could not send the mail just now: our mail server did not take it. Nothing was "
    "subscribed; please try again in a few minutes."
)
MAIL_DOWN_RETRY_SECONDS = 300


class Refused(Exception):
    """Nothing was sent; ``message`` says why, for the page answering with ``status``."""

    def __init__(self, message: str, status: int, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class LinkProblem(Exception):
    """A signed link that can do nothing: bad, expired, or naming a row that is gone."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "bad", "expired" or "gone"


# --- Limits -------------------------------------------------------------------------------------


def count_or_refuse(
    request: HttpRequest, group: str, value: str, per_day: int, message: str
) -> None:
    """Count one request against ``value``'s daily allowance; Refused when over it.

    django-ratelimit's fixed windows in the shared cache (Redis in deployments): the same
    counters as the limits on scans, and they say how long the current window still runs.
    """
    usage = get_usage(
        request,
        group=group,
        key=lambda group, request: value,
        rate=f"{per_day}/d",
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        wait = max(usage["time_left"] + 1, 1)  # the window still counts its last second
        raise Refused(message.format(limit=per_day, wait=limits.wait_words(wait)), 429, wait)


def duration_words(seconds: int) -> str:
    """How long a link works, in the largest whole unit that counts more than one:
    "3 days", "24 hours", "90 minutes"."""
    for unit, length in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds % length == 0 and seconds >= 2 * length:
            return plural(seconds // length, unit)
    return plural(seconds, "second")


# --- Subscribing --------------------------------------------------------------------------------


def subscribe(request: HttpRequest, target: Target, email: str, frequency: str, mode: str) -> None:
    """Answer a subscribe form with exactly one mail to ``email``, or raise Refused.

    A new address for this target gets a pending subscription (an unconfirmed one is reused,
    with the options just chosen) and its confirmation; an address already confirmed for it is
    told so; an address at SUBSCRIBE_MAX_TARGETS is told that, and nothing is created.
    """
    client = client_key(request)
    count_or_refuse(
        request,
        SUBSCRIBE_CLIENT_GROUP,
        client,
        settings.SUBSCRIBE_PENDING_PER_CLIENT,
        SUBSCRIBE_CLIENT_MESSAGE,
    )
    count_or_refuse(
        request,
        SUBSCRIBE_ADDRESS_GROUP,
        email,
        settings.SUBSCRIBE_PENDING_PER_ADDRESS,
        SUBSCRIBE_ADDRESS_MESSAGE,
    )
    mine = Subscription.objects.filter(email=email)
    if not mine.filter(target=target).exists() and mine.count() >= settings.SUBSCRIBE_MAX_TARGETS:
        deliver(lambda: send_at_cap(email, target))
        return
    subscription, created = Subscription.objects.get_or_create(
        target=target,
        email=email,
        defaults={"frequency": frequency, "mode": mode, "client": client},
    )
    if subscription.is_confirmed:
        deliver(lambda: send_already_subscribed(subscription))
        return
    if not created:
        # Asked again before confirming: the newest choice counts, and the purge of unconfirmed
        # rows counts from this confirmation, the newest.
        subscription.frequency, subscription.mode, subscription.client = frequency, mode, client
        subscription.created = timezone.now()
        subscription.save(update_fields=["frequency", "mode", "client", "created"])
    try:
        deliver(lambda: send_confirmation(subscription))
    except Refused:
        if created:
            subscription.delete()  # nobody can confirm it: it must not count against the cap
        raise


def deliver(send: Callable[[], None]) -> None:
    """Run ``send``; a mail server that refuses or cannot be reached becomes a Refused (503)."""
    try:
        send()
    except (smtplib.SMTPException, OSError, *queueing.BROKER_DOWN):
        # OSError: the mail server (EMAIL_BACKEND delivering at once); BROKER_DOWN: the queue
        # that hands the mail to the worker (QueuedBackend).
        log.warning("a subscription mail could not be sent", exc_info=True)
        raise Refused(MAIL_DOWN_MESSAGE, 503, MAIL_DOWN_RETRY_SECONDS) from None


def send_confirmation(subscription: Subscription) -> None:
    mail.send(
        "subscription-confirm",
        subscription.email,
        {
            **subscription_context(subscription),
            "confirm_url": links.confirm_url(subscription),
            "expires_in": duration_words(settings.SUBSCRIPTION_CONFIRM_MAX_AGE),
        },
        headers=links.list_unsubscribe_headers(subscription),
    )


def send_already_subscribed(subscription: Subscription) -> None:
    mail.send(
        "subscription-already",
        subscription.email,
        {
            **subscription_context(subscription),
            "manage_url": links.manage_url(subscription.email),
            "expires_in": duration_words(settings.SUBSCRIPTION_MANAGE_MAX_AGE),
        },
        headers=links.list_unsubscribe_headers(subscription),
    )


def send_at_cap(email: str, target: Target) -> None:
    mail.send(
        "subscription-limit",
        email,
        {
            "target": target,
            "limit": settings.SUBSCRIBE_MAX_TARGETS,
            "manage_url": links.manage_url(email),
            "expires_in": duration_words(settings.SUBSCRIPTION_MANAGE_MAX_AGE),
            "unsubscribe_all_url": links.unsubscribe_all_url(email),
        },
        headers=links.list_unsubscribe_all_headers(email),
    )


def subscription_context(subscription: Subscription) -> dict:
    return {
        "subscription": subscription,
        "target": subscription.target,
        "promise": promise(subscription),
        "unsubscribe_url": links.unsubscribe_url(subscription),
    }


def promise(subscription: Subscription) -> str:
    """What a confirmed subscription will do, in one or two sentences for pages and mails."""
    weekly = subscription.frequency == Subscription.Frequency.WEEKLY
    checks = f"We will check {subscription.target.url} every {'week' if weekly else 'day'}, "
    checks += "with the same options."
    if subscription.mode == Subscription.Mode.EVERY:
        return f"{checks} You will get a mail after every check, saying what changed, if anything."
    return (
        f"{checks} You will get a mail only when something changes: the grade, a finding that "
        "is new, fixed or worse, or the site going down or coming back."
    )


# --- Following a link ---------------------------------------------------------------------------


def subscription_from_link(signed: str, salt: str, max_age: int | None) -> Subscription:
    """The subscription a signed link names; LinkProblem when it can do nothing."""
    payload = read_link(signed, salt, max_age)
    subscription = (
        Subscription.objects.select_related("target")
        .filter(pk=payload.get("s"), email=payload.get("e"))
        .first()
    )
    if subscription is None:
        raise LinkProblem("gone")
    return subscription


def read_link(signed: str, salt: str, max_age: int | None) -> dict:
    try:
        return links.unsign(signed, salt, max_age)
    except signing.SignatureExpired:
        raise LinkProblem("expired") from None
    except signing.BadSignature:
        raise LinkProblem("bad") from None


def confirm(subscription: Subscription) -> bool:
    """Start the re-checks; False when the link was used already (a conditional UPDATE, so two
    clicks at once confirm once).

    The comparison of the first re-check starts from the newest public scan of the target that
    ended with an answer, and ``reachable`` from whether that scan reached the site.
    """
    now = timezone.now()
    baseline = newest_ended_scan(subscription.target)
    confirmed = Subscription.objects.filter(pk=subscription.pk, confirmed__isnull=True).update(
        confirmed=now,
        next_check_at=now + subscription.interval,
        last_scan=baseline,
        reachable=None if baseline is None else baseline.status == Scan.Status.DONE,
    )
    if confirmed:
        subscription.refresh_from_db()
    return bool(confirmed)


def newest_ended_scan(target: Target) -> Scan | None:
    """A failed scan is our own fault and says nothing about the site: it is skipped."""
    ended = target.scans.filter(
        private=False, status__in=[Scan.Status.DONE, Scan.Status.UNREACHABLE]
    )
    return ended.order_by("-finished", "-created").first()


def unsubscribe_scope(signed: str) -> tuple[QuerySet, bool]:
    """The subscriptions an unsubscribe link ends, and whether it is every one of an address.

    Unsubscribe links never expire: a mail may be read, or its one-click button pressed,
    long after it was sent.
    """
    try:
        payload = links.unsign(signed, links.UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        payload = read_link(signed, links.UNSUBSCRIBE_ALL_SALT, None)
        return Subscription.objects.filter(email=payload.get("e")), True
    return Subscription.objects.filter(pk=payload.get("s"), email=payload.get("e")), False


# --- Managing -----------------------------------------------------------------------------------


def send_manage_link(request: HttpRequest, email: str) -> None:
    """Mail ``email`` a link to its subscriptions when it has any; Refused over a limit.

    Both counters move whether or not the address has subscriptions, so neither the answer
    nor the limit tells a stranger which it is.
    """
    count_or_refuse(
        request,
        MANAGE_CLIENT_GROUP,
        client_key(request),
        settings.MANAGE_LINKS_PER_CLIENT,
        MANAGE_CLIENT_MESSAGE,
    )
    count_or_refuse(
        request,
        MANAGE_ADDRESS_GROUP,
        email,
        settings.MANAGE_LINKS_PER_ADDRESS,
        MANAGE_ADDRESS_MESSAGE,
    )
    count = Subscription.objects.filter(email=email).count()
    if count:
        deliver(lambda: send_manage_mail(email, count))


def send_manage_mail(email: str, count: int) -> None:
    mail.send(
        "subscriptions-manage",
        email,
        {
            "manage_url": links.manage_url(email),
            "unsubscribe_all_url": links.unsubscribe_all_url(email),
            "expires_in": duration_words(settings.SUBSCRIPTION_MANAGE_MAX_AGE),
            "subscriptions": plural(count, "subscription"),
        },
        headers=links.list_unsubscribe_all_headers(email),
    )
