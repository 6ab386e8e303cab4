"""Subscribing to re-checks from a report: the form, double opt-in by mail, confirming, leaving.

Mails go through a real SMTP server (aiosmtpd on 127.0.0.1) and are read back from it.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.smtp import body
from tests.webui.test_report import queue
from tests.webui.test_report_page import careless_site
from tests.webui.watching import (
    ADDRESS,
    ended_scan,
    link_in,
    one_click_path,
    subscribe,
)
from webui.models import Scan, Subscription
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

SITE = "https://corscheck.example"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def public_address(settings):
    # RFC 8058 asks for an HTTPS link in List-Unsubscribe: the site says where it is served.
    settings.SITE_URL = SITE


@pytest.fixture
def scan():
    return ended_scan("https://example.com/api?a=1&b=2")


def confirm_path(inbox, index: int = -1) -> str:
    return link_in(inbox.messages[index], "/confirm/")


def confirmed(client, inbox, scan, email: str = ADDRESS, **fields) -> Subscription:
    assert subscribe(client, scan, email, **fields).status_code == 303
    client.post(confirm_path(inbox))
    subscription = Subscription.objects.get(email=email, target=scan.target)
    assert subscription.is_confirmed
    return subscription


# --- The form on reports ----------------------------------------------------------------------


def test_a_finished_public_report_offers_the_form_with_its_defaults(
    client, allow_loopback, target_server
):
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/")
    run_scan(scan.pk)

    html = client.get(f"/r/{scan.token}/").content.decode()

    form = re.search(rf'(?s)<form[^>]*action="/r/{scan.token}/subscribe/".*?</form>', html)
    assert form, "no subscription form on the report"
    form = form.group(0)
    assert re.search(r'<input type="email" name="email"', form)
    assert re.search(r'name="frequency" value="daily"[^>]*checked', form)
    assert re.search(r'name="frequency" value="weekly"', form)
    assert re.search(r'name="mode" value="changes"[^>]*checked', form)
    assert re.search(r'name="mode" value="every"', form)
    assert "csrfmiddlewaretoken" not in form  # guarded by where the POST comes from instead
    assert "Only when something changes" in form and "Every time" in form


def test_a_private_report_says_it_cannot_be_watched_and_refuses_a_subscription(
    client, allow_loopback, target_server, inbox
):
    target_server.responder = careless_site
    scan = queue(client, target_server.url + "/", private="on")
    run_scan(scan.pk)

    html = client.get(f"/r/{scan.token}/watch/").content.decode()
    assert "Private scans cannot be watched" in html
    assert "public history" in html
    assert 'type="email"' not in html

    response = subscribe(client, scan)
    assert response.status_code == 403
    assert "Private scans cannot be watched" in response.content.decode()
    assert not Subscription.objects.exists()
    assert inbox.messages == []


def test_an_unreachable_report_offers_the_form_too(client):
    scan = ended_scan(status=Scan.Status.UNREACHABLE)
    html = client.get(f"/r/{scan.token}/watch/").content.decode()
    assert f'action="/r/{scan.token}/subscribe/"' in html


def test_a_scan_under_way_shows_no_form_yet(client):
    scan = ended_scan(status=Scan.Status.RUNNING, finished=None)
    html = client.get(f"/r/{scan.token}/").content.decode()
    assert "/subscribe/" not in html


def test_every_page_links_to_my_subscriptions(client):
    html = client.get("/").content.decode()
    assert re.search(r'<a href="/subscriptions/"[^>]*>My subscriptions</a>', html)


# --- Subscribing ------------------------------------------------------------------------------


def test_subscribing_sends_only_the_confirmation_with_one_click_headers_and_both_bodies(
    client, inbox, scan
):
    response = subscribe(client, scan, frequency="weekly")

    assert response.status_code == 303
    assert response["Location"] == f"/r/{scan.token}/"
    answer = client.get(response["Location"]).content.decode()
    assert "Check your inbox" in answer

    [message] = inbox.messages  # sent before the answer: nothing else will come
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Confirm re-checks of https://example.com/api?a=1&b=2"
    header = message["List-Unsubscribe"].strip()  # folded after its colon: it is long
    unsubscribe = re.fullmatch(rf"<{SITE}/unsubscribe/([^/]+)/>", header)
    assert unsubscribe, header
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text = body(message, "plain")
    confirm = re.search(rf"{SITE}/confirm/[^/\s]+/", text).group(0)
    assert text.index(confirm) < text.index("https://example.com/api")  # the first link is it
    assert f"{SITE}/unsubscribe/{unsubscribe.group(1)}/" in text
    assert "https://example.com/api?a=1&b=2 every week" in text  # plain text is not escaped
    assert "&amp;" not in text
    assert "3 days" in text  # how long the link works

    html = body(message, "html")
    assert f'href="{confirm}"' in html
    assert f'href="{SITE}/unsubscribe/{unsubscribe.group(1)}/"' in html
    assert "https://example.com/api?a=1&amp;b=2" in html

    subscription = Subscription.objects.get()
    assert subscription.target == scan.target
    assert (subscription.email, subscription.frequency, subscription.mode) == (
        ADDRESS,
        "weekly",
        "changes",
    )
    assert not subscription.is_confirmed and subscription.next_check_at is None
    assert len(subscription.client) == 32


def test_the_address_is_trimmed_and_lower_cased(client, inbox, scan):
    subscribe(client, scan, "  Watcher@Example.COM ")
    assert Subscription.objects.get().email == ADDRESS
    assert inbox.envelopes[0][1] == (ADDRESS,)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the email address the mails should go to."),
        ("not-an-address", "That is not an email address we can send to."),
        ("two@at@example.com", "That is not an email address we can send to."),
        ("name@", "That is not an email address we can send to."),
        ("with space@example.com", "That is not an email address we can send to."),
        ("name@example..com", "That is not an email address we can send to."),
        ("x" * 250 + "@example.com", "An email address is at most 254 characters long."),
    ],
)
def test_a_bad_address_is_refused_with_a_clear_message_and_nothing_is_sent(
    client, inbox, scan, typed, message
):
    response = subscribe(client, scan, typed)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscription.objects.exists()
    assert inbox.messages == []


def test_an_unknown_frequency_is_refused(client, inbox, scan):
    response = subscribe(client, scan, frequency="hourly")
    assert response.status_code == 400
    assert "Choose every day or every week." in response.content.decode()
    assert inbox.messages == []


def test_asking_again_before_confirming_reuses_the_pending_subscription(client, inbox, scan):
    subscribe(client, scan)
    subscribe(client, scan, frequency="weekly", mode="every")

    subscription = Subscription.objects.get()
    assert (subscription.frequency, subscription.mode) == ("weekly", "every")
    assert len(inbox.messages) == 2
    first = confirm_path(inbox, 0)
    assert client.post(first).status_code == 200  # the older mail's link works too
    subscription.refresh_from_db()
    assert subscription.is_confirmed


def test_an_address_already_subscribed_gets_the_same_answer_and_a_mail_saying_so(
    client, inbox, scan
):
    subscription = confirmed(client, inbox, scan)
    inbox.clear()

    response = subscribe(client, scan, frequency="weekly", mode="every")

    assert response.status_code == 303
    assert response["Location"] == f"/r/{scan.token}/"
    [message] = inbox.messages
    assert message["Subject"] == "You already watch https://example.com/api?a=1&b=2"
    assert re.fullmatch(rf"<{SITE}/unsubscribe/[^/]+/>", message["List-Unsubscribe"].strip())
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for part in ("plain", "html"):
        assert f"{SITE}/subscriptions/" in body(message, part)
        assert f"{SITE}/unsubscribe/" in body(message, part)
    assert "/confirm/" not in body(message, "plain")
    again = Subscription.objects.get()
    assert (again.frequency, again.mode, again.confirmed) == (
        "daily",
        "changes",
        subscription.confirmed,
    )


def test_the_answer_is_the_same_for_a_new_a_pending_and_a_subscribed_address(client, inbox, scan):
    confirmed(client, inbox, scan, "subscribed@example.com")
    client.get(subscribe(client, scan, "pending@example.com")["Location"])  # its message shown

    answers = []
    for email in ("new@example.com", "pending@example.com", "subscribed@example.com"):
        response = subscribe(client, scan, email)
        page = client.get(response["Location"]).content.decode()
        # What the report says about it: the message, and the box (the rest of the page, such
        # as the seconds left before "Check again", moves with the clock).
        said = re.search(r'(?s)<div class="messages".*?</div>', page).group(0)
        watch = client.get(f"/r/{scan.token}/watch/").content.decode()
        box = re.search(r'(?s)<section class="card watch".*?</section>', watch).group(0)
        box = re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", box)
        answers.append((response.status_code, response["Location"], said, box))

    assert answers[0] == answers[1] == answers[2]


# --- Confirming -------------------------------------------------------------------------------


def test_the_link_shows_a_page_and_only_its_button_confirms(client, inbox, scan):
    subscribe(client, scan)
    path = confirm_path(inbox)

    for _ in range(2):  # a link scanner, then the person
        page = client.get(path)
        assert page.status_code == 200
        assert re.search(rf'<form method="post" action="{re.escape(path)}">', page.text)
        assert "Yes, start the re-checks" in page.text
    assert not Subscription.objects.get().is_confirmed
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"


def test_confirming_schedules_the_first_recheck_from_the_newest_ended_public_scan(client, inbox):
    url = "https://example.com/"
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        scan = ended_scan(url)
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        newest_ended = ended_scan(url, status=Scan.Status.UNREACHABLE)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        ended_scan(url, private=True)
        ended_scan(url, status=Scan.Status.FAILED)  # our own failure says nothing of the site
        ended_scan(url, status=Scan.Status.RUNNING, finished=None)
    subscribe(client, scan)

    with time_machine.travel(NOW, tick=False):
        page = client.post(confirm_path(inbox))

    assert page.status_code == 200
    assert "You are subscribed" in page.text
    assert "You will get a mail only when something changes" in page.text
    assert "every day" in page.text
    subscription = Subscription.objects.get()
    assert subscription.confirmed == NOW
    assert subscription.next_check_at == NOW + timedelta(days=1)
    assert subscription.last_scan == newest_ended
    assert subscription.reachable is False
    assert subscription.pending_scan is None


def test_a_weekly_subscription_of_a_reachable_site_is_first_checked_in_a_week(client, inbox, scan):
    subscribe(client, scan, frequency="weekly", mode="every")
    with time_machine.travel(NOW, tick=False):
        page = client.post(confirm_path(inbox))

    assert "You will get a mail after every check" in page.text
    subscription = Subscription.objects.get()
    assert subscription.next_check_at == NOW + timedelta(days=7)
    assert (subscription.last_scan, subscription.reachable) == (scan, True)


def test_a_confirmation_link_works_once(client, inbox, scan):
    subscribe(client, scan)
    path = confirm_path(inbox)
    with time_machine.travel(NOW, tick=False):
        client.post(path)
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        again = client.post(path)

    assert again.status_code == 200
    assert "Already confirmed" in again.text and "Nothing was changed" in again.text
    subscription = Subscription.objects.get()
    assert subscription.confirmed == NOW
    assert subscription.next_check_at == NOW + timedelta(days=1)
    assert "Already confirmed" in client.get(path).text


def test_a_confirmation_link_expires(client, inbox, scan, settings):
    with time_machine.travel(NOW, tick=False):
        subscribe(client, scan)
    path = confirm_path(inbox)
    max_age = timedelta(seconds=settings.SUBSCRIPTION_CONFIRM_MAX_AGE)

    with time_machine.travel(NOW + max_age - timedelta(seconds=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(NOW + max_age + timedelta(seconds=1), tick=False):
        for page in (client.get(path), client.post(path)):
            assert page.status_code == 410
            assert "This link has expired" in page.text
            assert "subscribe again from its report" in page.text
    assert not Subscription.objects.get().is_confirmed


def test_a_tampered_link_or_one_made_for_something_else_does_nothing(client, inbox, scan):
    subscribe(client, scan)
    path = confirm_path(inbox)
    signed = path.split("/")[2]
    tampered = f"/confirm/{signed[:-2]}{'AB' if signed[-2:] != 'AB' else 'CD'}/"
    unsubscribe_as_confirm = "/confirm/" + one_click_path(inbox.messages[0]).split("/")[2] + "/"

    for wrong in (tampered, unsubscribe_as_confirm, "/confirm/nonsense/"):
        page = client.post(wrong)
        assert page.status_code == 400, wrong
        assert "This link does not work" in page.text
    assert not Subscription.objects.get().is_confirmed


def test_a_link_to_a_subscription_that_is_gone_says_so(client, inbox, scan):
    subscribe(client, scan)
    Subscription.objects.all().delete()

    page = client.post(confirm_path(inbox))

    assert page.status_code == 410
    assert "This subscription no longer exists" in page.text
    assert not Subscription.objects.exists()


# --- Leaving ----------------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_and_its_button_unsubscribes(client, inbox, scan):
    confirmed(client, inbox, scan)
    path = link_in(inbox.messages[0], "/unsubscribe/")
    assert path == one_click_path(inbox.messages[0])

    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the re-checks of this site?" in page.text and 'method="post"' in page.text
    assert Subscription.objects.exists()

    done = client.post(path)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    assert not Subscription.objects.exists()

    again = client.post(path)
    assert again.status_code == 200
    assert "Nothing to unsubscribe" in again.text


def test_one_click_unsubscribe_needs_no_csrf_token_while_the_other_forms_do(inbox, scan):
    strict = Client(enforce_csrf_checks=True)
    loose = Client()
    subscribe(loose, scan)
    subscribe(loose, ended_scan("https://other.example/"))
    confirm_path_, message = confirm_path(inbox), inbox.messages[0]

    # What a mail client sends (RFC 8058): no cookie, no token, just this body.
    one_click = strict.post(
        one_click_path(message),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert Subscription.objects.filter(target=scan.target).count() == 0

    other = Subscription.objects.get()
    assert strict.post(confirm_path_).status_code == 403
    assert strict.post(link_in(inbox.messages[1], "/confirm/")).status_code == 403
    # The report's form has no token (the page is the same for everyone): where the POST comes
    # from decides (webui/same_origin.py).
    forged = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert (
        strict.post(f"/r/{scan.token}/subscribe/", {"email": ADDRESS}, headers=forged).status_code
        == 403
    )
    assert strict.post("/subscriptions/", {"email": ADDRESS}).status_code == 403
    other.refresh_from_db()
    assert not other.is_confirmed
    assert len(inbox.messages) == 2


def test_unsubscribe_links_never_expire(client, inbox, scan):
    with time_machine.travel(NOW, tick=False):
        confirmed(client, inbox, scan)
    path = one_click_path(inbox.messages[0])

    with time_machine.travel(NOW + timedelta(days=800), tick=False):
        assert client.post(path).status_code == 200
    assert not Subscription.objects.exists()


def test_unsubscribing_from_the_confirmation_mail_cancels_the_request(client, inbox, scan):
    subscribe(client, scan)
    message = inbox.messages[0]

    page = client.get(one_click_path(message))
    assert "never confirmed" in page.text
    client.post(one_click_path(message))

    assert not Subscription.objects.exists()
    assert client.post(confirm_path(inbox)).status_code == 410


def test_an_unsubscribe_link_ends_only_its_own_subscription(client, inbox, scan):
    confirmed(client, inbox, scan)
    confirmed(client, inbox, ended_scan("https://other.example/"))
    confirmed(client, inbox, scan, "someone-else@example.com")

    client.post(one_click_path(inbox.messages[0]))

    left = Subscription.objects.order_by("email", "target__url")
    assert [(s.email, s.target.url) for s in left] == [
        ("someone-else@example.com", "https://example.com/api?a=1&b=2"),
        (ADDRESS, "https://other.example/"),
    ]


def test_a_tampered_unsubscribe_link_does_nothing(client, inbox, scan):
    subscribe(client, scan)
    path = one_click_path(inbox.messages[0])
    page = client.post(path[:-3] + "xx/")
    assert page.status_code == 400
    assert Subscription.objects.exists()


# --- Addresses stay private -------------------------------------------------------------------


def test_addresses_appear_on_no_page_anyone_else_can_see(client, inbox, scan):
    confirmed(client, inbox, scan)
    subscribe(client, scan, "pending@example.com")
    pages = [
        "/",
        f"/r/{scan.token}/",
        f"/r/{scan.token}/subscribe/",
        f"/s/{scan.site.host}/",
        f"/t/{scan.target.token}/",
        "/subscriptions/",
        confirm_path(inbox),
        link_in(inbox.messages[0], "/confirm/"),
        one_click_path(inbox.messages[0]),
        one_click_path(inbox.messages[1]),
    ]
    seen = ""
    for path in pages:
        seen += client.get(path).content.decode()
    seen += client.post(confirm_path(inbox)).content.decode()
    seen += client.get(subscribe(client, scan, "third@example.com")["Location"]).content.decode()

    for email in (ADDRESS, "pending@example.com", "third@example.com"):
        for spelling in (email, email.replace("@", "&#64;"), email.replace("@", "%40")):
            assert spelling not in seen
    assert "@example.com" not in seen
