"""From "subscription due" to "mail received" with every real part: a Celery worker with beat
inside it on Redis and PostgreSQL, a local target server whose headers changed since the
subscriber's last scan, and aiosmtpd receiving the mail the worker sends (EMAIL_URL)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

import checker
from checker import parse_target
from tests.smtp import body
from tests.targets import TargetServer
from tests.webui.conftest import GOOD_HEADERS
from webui import links
from webui.models import Scan, Site, Subscription
from webui.options import options_from_settings

PAGE = b"<!doctype html><title>shop</title>"
SITE = "https://corscheck.example"

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def first_scan(url: str) -> Scan:
    """The scan the subscriber last heard about, run here with the engine."""
    site, _ = Site.objects.get_or_create(host="127.0.0.1")
    scan = Scan.objects.create(site=site, target_raw=url, target_url=url)
    scan.finish(checker.scan(url, options_from_settings()))
    return scan


def due_check_runs(worker) -> int:
    return len(re.findall(r"check_due_subscriptions\[[^\]]+\] succeeded", worker.log()))


def wait_for_due_checks(worker, count: int, seconds: float = 60) -> None:
    """Until beat has sent, and the worker has run, ``count`` more due-checks."""
    expected = due_check_runs(worker) + count
    deadline = time.monotonic() + seconds
    while due_check_runs(worker) < expected:
        assert worker.process.poll() is None, f"the worker exited:\n{worker.log()}"
        assert time.monotonic() < deadline, f"no due-check ran:\n{worker.log()}"
        time.sleep(0.2)


def unsubscribe_link_names(header: str, subscription: Subscription) -> None:
    """The List-Unsubscribe URL is ours and signed for this subscription (the worker signed it
    at its own moment, so the text differs from a link signed here)."""
    url = header.strip().removeprefix("<").removesuffix(">")
    assert url.startswith(f"{SITE}/unsubscribe/"), url
    signed = url.removeprefix(f"{SITE}/unsubscribe/").rstrip("/")
    payload = links.unsign(signed, links.UNSUBSCRIBE_SALT)
    assert payload == {"s": subscription.pk, "e": subscription.email}


@pytest.mark.timeout(300)
def test_beat_re_checks_a_due_subscription_and_the_worker_mails_the_change_once(
    worker_services, celery_worker, smtp_server, allow_loopback, settings
):
    settings.SITE_URL = SITE  # for the links this test expects; the worker has its own
    with TargetServer(responder=lambda r: (200, GOOD_HEADERS, PAGE)) as server:
        url = parse_target(server.url + "/shop").url
        before = first_scan(url)
        assert before.status == Scan.Status.DONE
        server.responder = lambda r: (200, [("Content-Type", "text/html")], PAGE)
        subscription = Subscription.objects.create(
            target=before.target,
            email="ann@example.com",
            confirmed=timezone.now() - timedelta(days=1),
            next_check_at=timezone.now() - timedelta(minutes=1),
            last_scan=before,
            reachable=True,
        )
        worker = celery_worker(
            "-B", WATCH_DUE_CHECK_INTERVAL="1", EMAIL_URL=smtp_server.email_url, SITE_URL=SITE
        )

        [message] = smtp_server.inbox.wait_for(1, timeout=180)

    subscription.refresh_from_db()
    after = subscription.last_scan
    assert after is not None and after.pk != before.pk
    assert after.target == before.target and not after.private
    assert after.status == Scan.Status.DONE and after.grade != before.grade
    assert subscription.pending_scan is None
    assert subscription.next_check_at > timezone.now() + timedelta(hours=23)
    name = f"127.0.0.1:{server.port}/shop"
    assert message["Subject"].strip() == f"{name}: {before.grade} → {after.grade}"
    assert message["To"] == "ann@example.com"
    unsubscribe_link_names(message["List-Unsubscribe"], subscription)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    comparison = f"{SITE}/r/{before.token}/vs/{after.token}/"
    assert comparison in body(message, "plain")
    assert f'href="{comparison}"' in body(message, "html")

    # Exactly once: the due-check runs twice more (its sweep looks at ended re-checks too)
    # and nothing else arrives.
    wait_for_due_checks(worker, 2)
    assert len(smtp_server.inbox.messages) == 1
