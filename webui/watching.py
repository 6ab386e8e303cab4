"""Re-checks of watched targets: which subscriptions are due, one scan per target, and telling
each subscriber exactly once how it ended.

Every step that matters is a conditional UPDATE on the subscription row, so any number of beats
and workers may run these functions at the same time:

- a due subscription is claimed by moving ``next_check_at`` on, where it still holds the value
  that was read (``claim``); the claims of one target and its scan commit together;
- a target's claimed subscriptions share one scan, started or joined through
  ``webui.scanning`` (many subscribers, one scan; a scan someone else started is joined);
- an ended scan is reported to a subscriber by clearing ``pending_scan`` where it still names
  that scan (``report_scan``), and the mail goes out only after that claim succeeded.

What could be lost is given back: a queue outage undoes the claims of the target it hit (the
subscriptions stay due), a re-check that failed on our side is tried again an hour later, and a
mail server outage undoes the report's claim so the next due-check sends the mail. The due-check
also reports scans whose end nobody reported (a worker died in between).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from webui import alerts, limits, mail, queueing, scanning
from webui.links import list_unsubscribe_headers
from webui.models import SUBSCRIPTION_PERIODS, Scan, Subscription, Target

log = logging.getLogger(__name__)

# A re-check that failed on our side (queue, time limit, a crash) says nothing about the site:
# nobody is mailed, and it is tried again this much later rather than at the next period.
RETRY_AFTER_FAILURE = timedelta(hours=1)
# What a queue outage looks like to a caller of webui.scanning.
QUEUE_DOWN = (queueing.QueueUnavailable, *queueing.BROKER_DOWN)


@dataclass
class DueCheck:
    """What one run of the due-check did, for its log line and for tests."""

    claimed: list[int] = field(default_factory=list)  # subscription pks
    scans: dict[int, int] = field(default_factory=dict)  # target pk -> scan pk
    reported: int = 0  # subscriptions told about a scan that ended unreported
    queue_down: bool = False


def next_check(due_at: datetime, frequency: str, now: datetime) -> datetime:
    """The first time after ``now`` on the subscription's own beat.

    Counted from the time it was due, not from now: a due-check that runs late neither shifts
    the hour a subscriber hears from us nor catches up missed days one re-check at a time.
    """
    period = SUBSCRIPTION_PERIODS[frequency]
    missed = max((now - due_at) // period, 0)
    return due_at + (missed + 1) * period


def due_subscriptions(now: datetime) -> list[Subscription]:
    """Confirmed subscriptions due by ``now`` with no re-check under way, grouped by target."""
    return list(
        Subscription.objects.filter(
            confirmed__isnull=False, next_check_at__lte=now, pending_scan__isnull=True
        )
        .select_related("target__site")
        .order_by("target_id", "pk")
    )


def claim(subscription: Subscription, now: datetime) -> bool:
    """Take this subscription's re-check; False when another claimer took it first."""
    due_at = subscription.next_check_at
    still_due = Subscription.objects.filter(
        pk=subscription.pk,
        next_check_at=due_at,
        pending_scan__isnull=True,
        confirmed__isnull=False,
    )
    return bool(still_due.update(next_check_at=next_check(due_at, subscription.frequency, now)))


def check_due(now: datetime | None = None) -> DueCheck:
    """Beat's due-check: report what ended unreported, then start the re-checks now due."""
    now = now or timezone.now()
    result = start_rechecks(due_subscriptions(now), now, DueCheck(reported=sweep(now)))
    if result.claimed or result.reported:
        log.info(
            "due-check: %d re-checks started in %d scans, %d late reports sent",
            len(result.claimed),
            len(set(result.scans.values())),
            result.reported,
        )
    return result


def start_rechecks(
    due: list[Subscription], now: datetime, result: DueCheck | None = None
) -> DueCheck:
    """Claim ``due`` (read earlier, perhaps by several claimers at once) and start one scan per
    target for the claimed ones."""
    result = result or DueCheck()
    # By target, then row: the same lock order in every claimer, so two never deadlock.
    in_order = sorted(due, key=lambda subscription: (subscription.target_id, subscription.pk))
    for _, group in groupby(in_order, key=lambda subscription: subscription.target_id):
        subscriptions = list(group)
        target = subscriptions[0].target
        try:
            started = start_recheck(target, subscriptions, now)
        except QUEUE_DOWN as error:
            # Every other target would meet the same dead queue: leave them due for next time.
            log.warning("re-checks stopped, the queue is unavailable: %s", error)
            result.queue_down = True
            break
        if started is not None:
            scan, claimed = started
            result.scans[target.pk] = scan.pk
            result.claimed += claimed
    return result


def start_recheck(
    target: Target, subscriptions: list[Subscription], now: datetime
) -> tuple[Scan, list[int]] | None:
    """Claim the target's due subscriptions and give them one scan, started or joined.

    The claims and the scan commit together, so a crash in between loses neither. A host with
    as many scans under way as SCAN_MAX_ACTIVE_PER_HOST is left for the next due-check, unless
    this target's own scan is among them (joining it costs the site nothing).
    """
    active = limits.active_scan(target.url, target.frontend_origin, target.profile, target.api_key)
    if active is None and (limits.busy_message("", target.site.host) is not None):
        return None
    claimed: list[Subscription] = []
    scan = None
    try:
        with transaction.atomic():
            claimed = [subscription for subscription in subscriptions if claim(subscription, now)]
            if not claimed:
                return None
            scan, _ = scanning.start_target_scan(target)
            Subscription.objects.filter(pk__in=[s.pk for s in claimed]).update(pending_scan=scan)
    except QUEUE_DOWN:
        # The scan was committed, then ended with a reason when it could not be queued (after
        # the commit). Give the claims back: these subscriptions stay due.
        for subscription in claimed:
            Subscription.objects.filter(pk=subscription.pk, pending_scan=scan).update(
                pending_scan=None, next_check_at=subscription.next_check_at
            )
        raise
    return scan, [subscription.pk for subscription in claimed]


def sweep(now: datetime) -> int:
    """Report re-checks that ended but were never reported, and give up on ones stuck far
    longer than the reaper allows a scan; returns how many subscribers were told."""
    waited_on = Subscription.objects.filter(pending_scan__isnull=False).values("pending_scan")
    told = 0
    for scan in Scan.objects.filter(pk__in=waited_on).exclude(status__in=Scan.ACTIVE):
        told += report_scan(scan)
    stuck_since = now - 2 * timedelta(seconds=settings.SCAN_STALE_AFTER)
    stuck = Scan.objects.filter(pk__in=waited_on, status__in=Scan.ACTIVE, created__lt=stuck_since)
    for scan in stuck:
        retry_later(scan, now)
    return told


def retry_later(scan: Scan, now: datetime) -> int:
    """Let go of a re-check that told us nothing about the site; it runs again within the hour."""
    return Subscription.objects.filter(pending_scan=scan).update(
        pending_scan=None, next_check_at=Least(F("next_check_at"), now + RETRY_AFTER_FAILURE)
    )


def awaited(scan_id: int) -> bool:
    """Whether any subscriber waits for this scan to end."""
    return Subscription.objects.filter(pending_scan_id=scan_id).exists()


def report_scan(scan: Scan) -> int:
    """Tell each subscriber waiting for ``scan`` how it ended, once; returns how many were told.

    A failed scan (our side) is tried again later instead. When the mail server cannot be
    reached, that subscriber's claim is undone and the rest wait: the next due-check retries.
    """
    scan.refresh_from_db()
    if scan.is_active:
        return 0
    if scan.status == Scan.Status.FAILED:
        retry_later(scan, timezone.now())
        return 0
    told = 0
    waiting = (
        Subscription.objects.filter(pending_scan=scan)
        .select_related("target__site", "last_scan")
        .order_by("pk")
    )
    for subscription in waiting:
        try:
            told += tell(subscription, scan)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail about scan %s not sent, will retry: %s", scan.token, error)
            break
    return told


def tell(subscription: Subscription, scan: Scan) -> bool:
    """Claim this subscriber's report of ``scan`` and mail it, if there is anything to say.

    A graded scan becomes the subscriber's new starting point (``last_scan``); an unreachable
    one does not, so the recovery is compared with the last good scan. The mail is written
    before the claim, so a mail that cannot be written (a bug) leaves the report for later
    rather than losing it.
    """
    before, was_reachable = subscription.last_scan, subscription.reachable
    message = alerts.message_for(subscription, before, scan, was_reachable)
    reached = scan.status == Scan.Status.DONE
    told = {"pending_scan": None, "reachable": reached}
    if reached:
        told["last_scan"] = scan
    waiting = Subscription.objects.filter(pk=subscription.pk, pending_scan=scan)
    if not waiting.update(**told):
        return False  # another worker has reported it
    if message is None:
        return False
    name, context = message
    try:
        mail.send(
            name,
            subscription.email,
            context,
            list_unsubscribe_headers(subscription),
            deliver_now=True,  # a refusal is handled here: the claim is given back
        )
    except smtplib.SMTPRecipientsRefused:
        log.warning("the mail server refused %s; the mail is dropped", subscription.pk)
        return False
    except (OSError, smtplib.SMTPException):
        after = scan if reached else before
        Subscription.objects.filter(
            pk=subscription.pk, pending_scan__isnull=True, last_scan=after, reachable=reached
        ).update(pending_scan=scan, last_scan=before, reachable=was_reachable)
        raise
    return True
