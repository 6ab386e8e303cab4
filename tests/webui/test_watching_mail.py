"""After a re-check, each subscriber gets the right mail once, through a real SMTP server.

The re-checks are real: beat's due-check, then the scan and report tasks run in this process
against a local target server whose headers each test changes, and the mails go to aiosmtpd on
127.0.0.1. The real worker and beat are in test_watching_worker.py.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from checker import parse_target
from checker.compare import compare
from tests.smtp import body
from tests.targets import TargetServer
from tests.webui.conftest import GOOD_HEADERS
from webui import alerts, scanning, watching
from webui.links import manage_url, unsubscribe_url
from webui.models import Scan, Subscription, Target
from webui.tasks import report_recheck, run_scan

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
PAGE = b"<!doctype html><title>shop</title><p>hello"
SITE = "http://localhost:8000"

pytestmark = pytest.mark.django_db


def good_page(request):
    return 200, GOOD_HEADERS, PAGE


def bare_page(request):
    return 200, [("Content-Type", "text/html; charset=utf-8")], PAGE


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def inbox(settings, smtp_server):
    for name, value in smtp_server.email_settings.items():
        setattr(settings, name, value)
    settings.SITE_URL = SITE
    return smtp_server.inbox


@pytest.fixture
def rechecks(clock, allow_loopback, private_queue):
    """What a re-check needs: a frozen clock, a checker allowed on loopback, and a queue where
    the scan task's hand-over of its report goes unheard (this test runs the report itself)."""
    return clock


def scan_of(target: Target) -> Scan:
    """A scan of the target as the worker would run it."""
    scan, _ = scanning.start_target_scan(target)
    run_scan(scan.pk)
    scan.refresh_from_db()
    return scan


def watched(server: TargetServer) -> tuple[Target, Scan, str]:
    """The server's target, a first scan of it, and the name the mails give it."""
    url = parse_target(server.url + "/shop").url
    scan, _ = scanning.start_scan(host="127.0.0.1", url=url)
    run_scan(scan.pk)
    scan.refresh_from_db()
    return scan.target, scan, f"127.0.0.1:{server.port}/shop"


def subscribe(target: Target, email: str, last_scan: Scan, mode: str = "changes"):
    return Subscription.objects.create(
        target=target,
        email=email,
        mode=mode,
        confirmed=NOW - timedelta(days=1),
        next_check_at=NOW - timedelta(minutes=1),
        last_scan=last_scan,
        reachable=last_scan.status == Scan.Status.DONE,
    )


def recheck() -> Scan:
    """Beat's due-check, then the scan task and the report task it leads to, in this process."""
    result = watching.check_due()
    [scan_pk] = result.scans.values()
    run_scan(scan_pk)
    report_recheck(scan_pk)
    return Scan.objects.get(pk=scan_pk)


def header(message, name: str) -> str:
    """A header's value. Python's mail library folds a long or encoded value onto the next
    line right after the colon, and unfolding keeps that line's leading space."""
    return message[name].strip()


def subjects(inbox) -> list[str]:
    return [header(message, "Subject") for message in inbox.messages]


def assert_unsubscribe_headers(message, subscription: Subscription) -> None:
    assert message["To"] == subscription.email
    assert header(message, "List-Unsubscribe") == f"<{unsubscribe_url(subscription)}>"
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


def plain(message) -> str:
    """The text body with its lines ended as Python writes them (SMTP sends CRLF)."""
    return body(message, "plain").replace("\r\n", "\n")


def assert_links(message, *links: str) -> None:
    text, html = plain(message), body(message, "html")
    for link in links:
        assert link in text, f"{link} not in the text body:\n{text}"
        assert f'href="{link}"' in html, f"{link} not linked in the HTML body"


def reread(subscription: Subscription) -> Subscription:
    subscription.refresh_from_db()
    return subscription


def test_a_site_that_got_worse_is_mailed_its_grade_change_and_each_finding_on_one_line(
    rechecks, inbox
):
    with TargetServer(responder=good_page) as server:
        target, first, name = watched(server)
        ann = subscribe(target, "ann@example.com", first)
        bob = subscribe(target, "bob@example.com", first, mode="every")
        server.responder = bare_page

        second = recheck()

    assert second.status == Scan.Status.DONE and first.grade != second.grade
    messages = inbox.messages
    assert [message["To"] for message in messages] == ["ann@example.com", "bob@example.com"]
    comparison = compare(first.engine_report, second.engine_report)
    lines = alerts.change_lines(comparison)
    assert {line.kind for line in lines} >= {"new", "fixed"}
    for message, subscription in zip(messages, (ann, bob), strict=True):
        assert header(message, "Subject") == f"{name}: {first.grade} → {second.grade}"
        assert_unsubscribe_headers(message, subscription)
        assert_links(
            message,
            f"{SITE}/r/{first.token}/vs/{second.token}/",
            f"{SITE}/r/{first.token}/",
            f"{SITE}/r/{second.token}/",
            f"{SITE}/t/{target.token}/",
            unsubscribe_url(subscription),
            manage_url(subscription.email),
        )
    text, html = plain(messages[0]), body(messages[0], "html")
    for line in lines:
        assert f"\n- {line.text}\n" in text
    assert f"the grade went from {first.grade} to {second.grade}" in text
    # A title naming a tag: as written in the text, escaped in the HTML.
    assert "an injected <base> tag" in text and "&lt;base&gt;" in html
    assert "&amp;" not in text and "&lt;" not in text
    assert alerts.GRADE_COLOURS[first.grade] in html and alerts.GRADE_COLOURS[second.grade] in html
    for line in lines:
        assert html.count(line.colour) >= 1
    ann = reread(ann)
    assert ann.last_scan == second and ann.pending_scan is None and ann.reachable is True

    report_recheck(second.pk)  # a second delivery of the report task
    watching.check_due()  # and the due-check's sweep
    assert len(inbox.messages) == 2


def test_nothing_changed_is_mailed_only_to_who_asked_to_hear_every_time(rechecks, inbox):
    with TargetServer(responder=good_page) as server:
        target, first, name = watched(server)
        ann = subscribe(target, "ann@example.com", first)
        bob = subscribe(target, "bob@example.com", first, mode="every")

        second = recheck()

    [message] = inbox.messages
    assert header(message, "Subject") == f"{name}: no change, still {second.grade}"
    assert_unsubscribe_headers(message, bob)
    assert_links(
        message,
        f"{SITE}/r/{second.token}/",
        f"{SITE}/t/{target.token}/",
        unsubscribe_url(bob),
        manage_url(bob.email),
    )
    text, html = plain(message), body(message, "html")
    assert f"no change since the last check, still graded {second.grade}" in text
    assert "No change since the last check" in html
    assert "/vs/" not in text
    for subscription in (ann, bob):  # both heard of this scan, ann by silence
        assert reread(subscription).last_scan == second


def test_a_site_that_stops_answering_is_mailed_once_and_its_recovery_too(rechecks, inbox):
    server = TargetServer(responder=good_page).start()
    port = server.port
    target, good, name = watched(server)
    ann = subscribe(target, "ann@example.com", good, mode="every")
    server.stop()

    down = recheck()

    assert down.status == Scan.Status.UNREACHABLE
    [message] = inbox.messages
    assert header(message, "Subject") == f"{name} could not be reached"
    assert_unsubscribe_headers(message, ann)
    assert_links(message, f"{SITE}/r/{down.token}/", f"{SITE}/r/{good.token}/")
    assert down.error in plain(message)
    assert down.error.split(":")[0] in body(message, "html")
    ann = reread(ann)
    assert ann.reachable is False and ann.last_scan == good  # the last good one stays

    rechecks.shift(timedelta(days=1))
    assert recheck().status == Scan.Status.UNREACHABLE
    assert len(inbox.messages) == 1  # still down: nothing more, even for "every time"

    with TargetServer(responder=bare_page, bind_port=port):
        rechecks.shift(timedelta(days=1))
        up = recheck()

    assert up.status == Scan.Status.DONE
    assert len(inbox.messages) == 2
    recovered = inbox.messages[1]
    assert header(recovered, "Subject") == f"{name} answers again: {good.grade} → {up.grade}"
    assert_unsubscribe_headers(recovered, ann)
    assert_links(
        recovered,
        f"{SITE}/r/{good.token}/vs/{up.token}/",  # compared with the last good scan
        f"{SITE}/r/{up.token}/",
        f"{SITE}/r/{good.token}/",
        unsubscribe_url(ann),
    )
    text = plain(recovered)
    for line in alerts.change_lines(compare(good.engine_report, up.engine_report)):
        assert f"\n- {line.text}\n" in text
    ann = reread(ann)
    assert ann.reachable is True and ann.last_scan == up


def test_a_site_that_comes_back_unchanged_is_still_reported_back(rechecks, inbox):
    server = TargetServer(responder=good_page).start()
    port = server.port
    target, good, name = watched(server)
    subscribe(target, "ann@example.com", good)  # only when something changes
    server.stop()
    recheck()
    rechecks.shift(timedelta(days=1))

    with TargetServer(responder=good_page, bind_port=port):
        up = recheck()

    assert subjects(inbox) == [
        f"{name} could not be reached",
        f"{name} answers again: {up.grade}",
    ]
    assert "The same grade as before it stopped answering." in plain(inbox.messages[1])


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def test_a_mail_server_outage_keeps_the_mail_for_the_next_due_check(
    rechecks, inbox, settings, closed_port
):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port
    with TargetServer(responder=good_page) as server:
        target, first, name = watched(server)
        ann = subscribe(target, "ann@example.com", first)
        bob = subscribe(target, "bob@example.com", first)
        server.responder = bare_page

        second = recheck()

    assert inbox.messages == []
    for subscription in (ann, bob):  # both still waiting to hear of the scan
        subscription = reread(subscription)
        assert subscription.pending_scan == second and subscription.last_scan == first

    settings.EMAIL_PORT = working_port
    watching.check_due()

    assert [m["To"] for m in inbox.messages] == ["ann@example.com", "bob@example.com"]
    assert header(inbox.messages[0], "Subject") == f"{name}: {first.grade} → {second.grade}"
    watching.check_due()
    assert len(inbox.messages) == 2
