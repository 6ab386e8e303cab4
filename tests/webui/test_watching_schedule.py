"""The due-check on a frozen clock: what is due, when it is due next, one scan per target, and
claims that two beats or workers can never both win.

No worker runs here: the scans the due-check starts stay pending (their hand-over to the queue
happens on commit, and these tests' transactions never commit), except where a test needs the
queue itself, real or dead.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from tests.webui.test_outages import broker_down
from webui import watching
from webui.models import Scan, Site, Subscription, Target
from webui.queueing import UNAVAILABLE_MESSAGE

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def target(url: str = "https://shop.example/api", host: str = "shop.example") -> Target:
    site, _ = Site.objects.get_or_create(host=host)
    return Target.for_scan(site, url)


def subscribe(
    to: Target,
    email: str,
    due: datetime | None = NOW - timedelta(minutes=1),
    frequency: str = Subscription.Frequency.DAILY,
    confirmed: bool = True,
) -> Subscription:
    return Subscription.objects.create(
        target=to,
        email=email,
        frequency=frequency,
        confirmed=NOW - timedelta(days=10) if confirmed else None,
        next_check_at=due,
        reachable=True,
    )


def reread(subscription: Subscription) -> Subscription:
    subscription.refresh_from_db()
    return subscription


def test_a_due_subscription_gets_a_re_check_and_is_due_again_a_day_later(clock):
    due = NOW - timedelta(minutes=1)
    subscription = subscribe(target(), "ann@example.com", due=due)

    result = watching.check_due()

    subscription = reread(subscription)
    assert result.claimed == [subscription.pk]
    scan = subscription.pending_scan
    assert scan is not None and scan.status == Scan.Status.PENDING
    assert scan.target == subscription.target and not scan.private
    assert subscription.next_check_at == due + timedelta(days=1)


def test_a_weekly_subscription_is_due_again_a_week_later(clock):
    due = NOW - timedelta(minutes=1)
    subscription = subscribe(target(), "ann@example.com", due=due, frequency="weekly")

    watching.check_due()

    assert reread(subscription).next_check_at == due + timedelta(days=7)


def test_a_late_due_check_keeps_the_hour_and_does_not_catch_up_missed_days(clock):
    due = NOW - timedelta(days=3, hours=2)  # beat was down for three days
    subscription = subscribe(target(), "ann@example.com", due=due)

    watching.check_due()

    subscription = reread(subscription)
    assert subscription.next_check_at == due + timedelta(days=4)
    assert subscription.next_check_at.time() == due.time()
    assert NOW < subscription.next_check_at <= NOW + timedelta(days=1)
    assert watching.check_due().claimed == []


def test_only_confirmed_subscriptions_due_by_now_and_not_under_way_are_claimed(clock):
    watched = target()
    later = subscribe(watched, "later@example.com", due=NOW + timedelta(seconds=1))
    unconfirmed = subscribe(watched, "new@example.com", confirmed=False)
    never = subscribe(watched, "never@example.com", due=None)
    under_way = subscribe(watched, "busy@example.com")
    running = Scan.objects.create(
        site=watched.site, target_raw=watched.url, target_url=watched.url, status="running"
    )
    Subscription.objects.filter(pk=under_way.pk).update(pending_scan=running)
    exactly_now = subscribe(watched, "now@example.com", due=NOW)

    result = watching.check_due()

    assert result.claimed == [exactly_now.pk]
    for left in (later, unconfirmed, never, under_way):
        assert reread(left).next_check_at == left.next_check_at


def test_many_subscribers_of_one_target_cost_one_scan(clock):
    shop, blog = target(), target("https://blog.example/", "blog.example")
    shoppers = [subscribe(shop, f"s{n}@example.com") for n in range(3)]
    reader = subscribe(blog, "r@example.com", frequency="weekly")

    result = watching.check_due()

    assert sorted(result.claimed) == sorted(s.pk for s in [*shoppers, reader])
    assert Scan.objects.filter(target=shop).count() == 1
    assert Scan.objects.filter(target=blog).count() == 1
    shop_scan = Scan.objects.get(target=shop)
    assert {reread(s).pending_scan_id for s in shoppers} == {shop_scan.pk}
    assert reread(reader).pending_scan == Scan.objects.get(target=blog)
    assert result.scans == {shop.pk: shop_scan.pk, blog.pk: reread(reader).pending_scan_id}


def test_a_re_check_joins_a_scan_of_the_target_already_under_way(clock):
    shop = target()
    visitors_scan = Scan.objects.create(
        site=shop.site, target_raw=shop.url, target_url=shop.url, status="running"
    )
    subscription = subscribe(shop, "ann@example.com")

    watching.check_due()

    assert reread(subscription).pending_scan == visitors_scan
    assert Scan.objects.filter(target=shop).count() == 1


def test_a_private_scan_of_the_target_is_not_joined(clock):
    shop = target()
    Scan.objects.create(
        site=shop.site, target_raw=shop.url, target_url=shop.url, status="running", private=True
    )
    subscription = subscribe(shop, "ann@example.com")

    watching.check_due()

    recheck = reread(subscription).pending_scan
    assert recheck is not None and not recheck.private


def test_rows_read_by_two_due_checks_are_claimed_by_the_first_only(clock):
    shop = target()
    subscriptions = [subscribe(shop, f"s{n}@example.com") for n in range(2)]
    read_by_first = watching.due_subscriptions(NOW)
    read_by_second = watching.due_subscriptions(NOW)  # the same rows, still due when read

    first = watching.start_rechecks(read_by_first, NOW)
    second = watching.start_rechecks(read_by_second, NOW)

    assert sorted(first.claimed) == [s.pk for s in subscriptions]
    assert second.claimed == [] and second.scans == {}
    assert Scan.objects.filter(target=shop).count() == 1


def test_the_next_day_the_subscription_is_due_again_once_its_scan_was_reported(clock):
    subscription = subscribe(target(), "ann@example.com")
    watching.check_due()
    first = reread(subscription).pending_scan
    first.status = Scan.Status.UNREACHABLE  # ended; reachable was None, so nothing to mail
    first.save()
    Subscription.objects.filter(pk=subscription.pk).update(reachable=False)

    clock.shift(timedelta(hours=23))
    assert watching.check_due().claimed == []  # reported by the sweep, but not yet due
    assert reread(subscription).pending_scan is None
    clock.shift(timedelta(hours=1))
    assert watching.check_due().claimed == [subscription.pk]
    assert reread(subscription).pending_scan not in (None, first)


def test_a_host_with_its_most_scans_under_way_waits_for_the_next_due_check(clock, settings):
    settings.SCAN_MAX_ACTIVE_PER_HOST = 1
    shop, other_path = target(), target("https://shop.example/cart")
    Scan.objects.create(
        site=shop.site, target_raw=other_path.url, target_url=other_path.url, status="running"
    )
    subscription = subscribe(shop, "ann@example.com")

    assert watching.check_due().claimed == []
    assert reread(subscription).next_check_at == subscription.next_check_at

    Scan.objects.filter(target=other_path).update(status="done")
    assert watching.check_due().claimed == [subscription.pk]


def test_a_re_check_that_failed_on_our_side_is_tried_again_within_the_hour(clock):
    subscription = subscribe(target(), "ann@example.com")
    watching.check_due()
    scan = reread(subscription).pending_scan
    scan.fail("The scan went over its time limit (60 s), so we stopped it.")

    watching.check_due()

    subscription = reread(subscription)
    assert subscription.pending_scan is None
    assert subscription.next_check_at == NOW + watching.RETRY_AFTER_FAILURE
    assert subscription.last_scan is None  # a failure is not a new starting point
    clock.shift(watching.RETRY_AFTER_FAILURE)
    assert watching.check_due().claimed == [subscription.pk]


def test_a_re_check_stuck_far_past_the_reapers_limit_is_let_go(clock, settings):
    subscription = subscribe(target(), "ann@example.com")
    watching.check_due()
    stuck = reread(subscription).pending_scan
    Scan.objects.filter(pk=stuck.pk).update(status="running")

    clock.shift(timedelta(seconds=2 * settings.SCAN_STALE_AFTER - 1))
    watching.check_due()
    assert reread(subscription).pending_scan == stuck
    clock.shift(timedelta(seconds=2))
    watching.check_due()
    assert reread(subscription).pending_scan is None


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_queue_outage_gives_the_claim_back_so_the_re_check_is_not_lost(
    clock, closed_port, private_queue
):
    first, second = target(), target("https://blog.example/", "blog.example")
    subscription = subscribe(first, "ann@example.com")
    waiting = subscribe(second, "bob@example.com")

    with broker_down(closed_port):
        result = watching.check_due()

    assert result.queue_down and result.claimed == []
    subscription = reread(subscription)
    assert subscription.next_check_at == NOW - timedelta(minutes=1)  # still due
    assert subscription.pending_scan is None
    failed = Scan.objects.get(target=first)
    assert failed.status == Scan.Status.FAILED and failed.error == UNAVAILABLE_MESSAGE
    assert not Scan.objects.filter(target=second).exists()  # not tried against a dead queue
    assert reread(waiting).next_check_at == waiting.next_check_at

    result = watching.check_due()  # the queue is back
    assert sorted(result.claimed) == [subscription.pk, waiting.pk]
    assert reread(subscription).pending_scan.queued is not None


def race(*jobs) -> list:
    """Run each job in its own thread (so with its own database connection), all released at
    the same moment; return their results in order."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job) -> None:
        try:
            prepared = job[0]()
            start.wait(timeout=30)
            results[index] = job[1](prepared)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def many_due(transactional_db) -> tuple[list[Target], list[Subscription]]:
    """Six targets on six hosts, five due subscribers each."""
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")
    targets = [target(f"https://site{n}.example/api", f"site{n}.example") for n in range(6)]
    subscriptions = [subscribe(t, f"s{n}@example.com") for t in targets for n in range(5)]
    return targets, subscriptions


def assert_one_scan_per_target_for_all(targets, subscriptions) -> None:
    for each in targets:
        scans = Scan.objects.filter(target=each)
        assert scans.count() == 1, f"{each}: {scans.count()} scans"
    for subscription in subscriptions:
        pending = reread(subscription).pending_scan
        assert pending is not None and pending.target_id == subscription.target_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claimers_racing_on_the_same_due_rows_claim_each_exactly_once(many_due, private_queue):
    targets, subscriptions = many_due
    read_then_claim = (
        lambda: watching.due_subscriptions(NOW),
        lambda due: watching.start_rechecks(due, NOW),
    )

    first, second = race(read_then_claim, read_then_claim)

    assert set(first.claimed).isdisjoint(second.claimed)
    assert sorted(first.claimed + second.claimed) == sorted(s.pk for s in subscriptions)
    assert not set(first.scans) & set(second.scans)  # each target's scan started by one
    assert_one_scan_per_target_for_all(targets, subscriptions)
    for subscription in subscriptions:
        assert reread(subscription).next_check_at == NOW + timedelta(days=1) - timedelta(minutes=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claimers_with_different_subscribers_of_the_same_targets_share_one_scan_each(
    many_due, private_queue
):
    targets, subscriptions = many_due

    def half(parity: int):
        return (
            lambda: [s for s in watching.due_subscriptions(NOW) if s.pk % 2 == parity],
            lambda due: watching.start_rechecks(due, NOW),
        )

    first, second = race(half(0), half(1))

    assert sorted(first.claimed + second.claimed) == sorted(s.pk for s in subscriptions)
    assert_one_scan_per_target_for_all(targets, subscriptions)
    # Both claimers had subscribers of every target: one started its scan, the other joined.
    assert first.scans == second.scans
