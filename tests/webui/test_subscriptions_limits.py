"""Abuse limits on subscribing and on "manage" links, and the purge of unconfirmed requests.

The daily counters live in the project's real cache (each test has its own, see conftest.py);
the clock is frozen so that no counting window ends in the middle of a test.
"""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.smtp import body, free_port
from tests.webui.watching import ADDRESS, ended_scan, link_in, one_click_path, subscribe
from webui.celery import app
from webui.models import Subscription
from webui.tasks import purge_unconfirmed_subscriptions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = 24 * 3600


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def scans(count: int):
    return [ended_scan(f"https://site{number}.example/") for number in range(count)]


def client_number(number: int) -> str:
    return f"203.0.113.{number + 1}"


def assert_refused(response, words: str) -> None:
    assert response.status_code == 429
    assert words in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= DAY


# --- Per address --------------------------------------------------------------------------------


def test_one_address_is_sent_at_most_the_daily_number_of_mails(client, inbox, settings):
    settings.SUBSCRIBE_PENDING_PER_ADDRESS = 3
    *allowed, one_too_many = scans(4)
    for number, scan in enumerate(allowed):
        assert subscribe(client, scan, REMOTE_ADDR=client_number(number)).status_code == 303

    response = subscribe(client, one_too_many, REMOTE_ADDR=client_number(9))

    assert_refused(response, "as many mails from this form today as we send one address")
    assert "(3)" in response.content.decode()
    assert "Nothing was sent" in response.content.decode()
    assert len(inbox.messages) == 3
    assert not Subscription.objects.filter(target=one_too_many.target).exists()


def test_asking_again_for_the_same_site_counts_too(client, inbox, settings):
    settings.SUBSCRIBE_PENDING_PER_ADDRESS = 2
    [scan] = scans(1)
    subscribe(client, scan)
    subscribe(client, scan)

    assert_refused(subscribe(client, scan), "as many mails from this form today")
    assert len(inbox.messages) == 2


def test_other_addresses_keep_their_allowance_and_a_day_later_it_is_back(
    client, inbox, settings, clock
):
    settings.SUBSCRIBE_PENDING_PER_ADDRESS = 1
    first, second = scans(2)
    subscribe(client, first)
    response = subscribe(client, second)
    assert_refused(response, "as many mails from this form today")
    assert subscribe(client, second, "other@example.com").status_code == 303

    clock.shift(timedelta(seconds=int(response["Retry-After"])))

    assert subscribe(client, second).status_code == 303
    assert [message["To"] for message in inbox.messages] == [ADDRESS, "other@example.com", ADDRESS]


# --- Per client ---------------------------------------------------------------------------------


def test_one_client_may_ask_for_the_daily_number_of_subscriptions(client, inbox, settings):
    settings.SUBSCRIBE_PENDING_PER_CLIENT = 3
    [scan] = scans(1)
    for number in range(3):
        assert subscribe(client, scan, f"person{number}@example.com").status_code == 303

    response = subscribe(client, scan, "person9@example.com")

    assert_refused(response, "Too many subscription requests from your network today")
    assert "the limit is 3 a day" in response.content.decode()
    assert len(inbox.messages) == 3
    assert not Subscription.objects.filter(email="person9@example.com").exists()
    elsewhere = subscribe(client, scan, "person9@example.com", REMOTE_ADDR="198.51.100.4")
    assert elsewhere.status_code == 303


def test_an_ipv6_client_is_counted_by_its_64_block(client, inbox, settings):
    settings.SUBSCRIBE_PENDING_PER_CLIENT = 1
    [scan] = scans(1)
    subscribe(client, scan, "one@example.com", REMOTE_ADDR="2001:db8:1:2::1")

    same_block = subscribe(client, scan, "two@example.com", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    next_block = subscribe(client, scan, "two@example.com", REMOTE_ADDR="2001:db8:1:3::1")

    assert same_block.status_code == 429
    assert next_block.status_code == 303


# --- Targets per address ------------------------------------------------------------------------


def test_an_address_at_the_cap_gets_the_usual_answer_and_a_mail_saying_why(client, inbox, settings):
    settings.SUBSCRIBE_MAX_TARGETS = 2
    settings.SITE_URL = "https://corscheck.example"
    held, pending, new = scans(3)
    Subscription.objects.create(target=held.target, email=ADDRESS, confirmed=timezone.now())
    Subscription.objects.create(target=pending.target, email=ADDRESS)

    response = subscribe(client, new)

    assert response.status_code == 303
    assert response["Location"] == f"/r/{new.token}/"
    assert not Subscription.objects.filter(target=new.target).exists()
    [message] = inbox.messages
    assert message["Subject"] == "You watch as many sites as we allow"
    assert re.fullmatch(
        r"<https://corscheck\.example/unsubscribe/[^/]+/>", message["List-Unsubscribe"].strip()
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for part in ("plain", "html"):
        assert "already watches 2 sites" in body(message, part)
        assert "https://corscheck.example/subscriptions/" in body(message, part)
        assert "/confirm/" not in body(message, part)

    # A site the address already has does not count as one more.
    subscribe(client, pending)
    assert link_in(inbox.wait_for(2)[1], "/confirm/")

    # The mail's unsubscribe link ends every subscription of the address.
    client.post(one_click_path(message))
    assert not Subscription.objects.filter(email=ADDRESS).exists()


# --- "Manage my subscriptions" links --------------------------------------------------------------


def ask_for_link(client, email: str = ADDRESS, address: str = "203.0.113.1"):
    return client.post("/subscriptions/", {"email": email}, REMOTE_ADDR=address)


def test_an_address_is_sent_at_most_the_daily_number_of_manage_links(client, inbox, settings):
    settings.MANAGE_LINKS_PER_ADDRESS = 2
    [scan] = scans(1)
    Subscription.objects.create(target=scan.target, email=ADDRESS)
    for number in range(2):
        assert ask_for_link(client, address=client_number(number)).status_code == 303

    response = ask_for_link(client, address=client_number(9))

    assert_refused(response, "already been sent as many links today")
    assert len(inbox.messages) == 2


def test_the_manage_link_limit_counts_an_address_without_subscriptions_the_same(
    client, inbox, settings
):
    settings.MANAGE_LINKS_PER_ADDRESS = 2
    assert ask_for_link(client).status_code == 303
    assert ask_for_link(client).status_code == 303
    assert_refused(ask_for_link(client), "already been sent as many links today")
    assert inbox.messages == []


def test_one_client_may_ask_for_the_daily_number_of_manage_links(client, inbox, settings):
    settings.MANAGE_LINKS_PER_CLIENT = 2
    ask_for_link(client, "a@example.com")
    ask_for_link(client, "b@example.com")

    assert_refused(ask_for_link(client, "c@example.com"), "Too many requests for links")
    assert ask_for_link(client, "c@example.com", "198.51.100.4").status_code == 303


# --- When the mail server is down ---------------------------------------------------------------


def test_a_mail_server_that_is_down_is_said_and_leaves_nothing_behind(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 5
    [scan] = scans(1)

    response = subscribe(client, scan)

    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert "We could not send the mail just now" in response.content.decode()
    assert not Subscription.objects.exists()


# --- Purging requests nobody confirmed ----------------------------------------------------------


def test_unconfirmed_subscriptions_are_purged_once_their_link_has_expired(settings, clock):
    max_age = timedelta(seconds=settings.SUBSCRIPTION_CONFIRM_MAX_AGE)
    old, young, kept = scans(3)
    with time_machine.travel(NOW - max_age - timedelta(seconds=1), tick=False):
        Subscription.objects.create(target=old.target, email=ADDRESS)
        Subscription.objects.create(target=kept.target, email=ADDRESS, confirmed=timezone.now())
    with time_machine.travel(NOW - max_age + timedelta(minutes=1), tick=False):
        Subscription.objects.create(target=young.target, email=ADDRESS)

    assert purge_unconfirmed_subscriptions() == 1

    left = Subscription.objects.order_by("target__url")
    assert [subscription.target for subscription in left] == [young.target, kept.target]
    clock.shift(timedelta(minutes=2))
    assert Subscription.objects.purge_unconfirmed() == 1
    assert Subscription.objects.get().target == kept.target


def test_asking_again_renews_an_unconfirmed_subscription(client, inbox, settings, clock):
    [scan] = scans(1)
    subscribe(client, scan)
    clock.shift(timedelta(seconds=settings.SUBSCRIPTION_CONFIRM_MAX_AGE - 60))
    subscribe(client, scan)
    clock.shift(timedelta(seconds=120))

    assert Subscription.objects.purge_unconfirmed() == 0
    assert client.post(link_in(inbox.messages[1], "/confirm/")).status_code == 200


def test_beat_runs_the_purge():
    from django.conf import settings

    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    [purge] = [e for e in entries if e["task"] == "webui.tasks.purge_unconfirmed_subscriptions"]
    assert purge["schedule"] == float(settings.SUBSCRIPTION_PURGE_INTERVAL)
    assert purge["task"] in app.tasks


# --- Settings -----------------------------------------------------------------------------------

LIMITS = (
    "SUBSCRIBE_PENDING_PER_ADDRESS",
    "SUBSCRIBE_PENDING_PER_CLIENT",
    "SUBSCRIBE_MAX_TARGETS",
    "MANAGE_LINKS_PER_ADDRESS",
    "MANAGE_LINKS_PER_CLIENT",
)


def read_settings(**env: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += f"print([getattr(s, name) for name in {LIMITS!r}])"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "webui.settings", **env},
        capture_output=True,
        text=True,
    )


def test_the_limits_come_from_the_environment_and_refuse_zero():
    values = read_settings(**{name: str(number + 5) for number, name in enumerate(LIMITS)})
    assert values.stdout.strip() == "[5, 6, 7, 8, 9]", values.stderr

    refused = read_settings(SUBSCRIBE_MAX_TARGETS="0")
    assert refused.returncode != 0
    assert "SUBSCRIBE_MAX_TARGETS must be at least 1" in refused.stderr
