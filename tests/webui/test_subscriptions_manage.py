""" "My subscriptions": a link by mail on request, a page that lists and removes subscriptions."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.smtp import body
from tests.webui.watching import ADDRESS, ended_scan, link_in, one_click_path
from webui.models import Subscription

pytestmark = pytest.mark.django_db

SITE = "https://corscheck.example"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ANSWER = "If that address has subscriptions, we have sent it a link to manage them."


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def subscriptions():
    api = ended_scan("https://api.example/v1/users", frontend_origin="https://app.example")
    page = ended_scan("https://www.example/", profile="page")
    return [
        Subscription.objects.create(
            target=api.target,
            email=ADDRESS,
            frequency="weekly",
            mode="every",
            confirmed=timezone.now(),
        ),
        Subscription.objects.create(target=page.target, email=ADDRESS),
        Subscription.objects.create(target=page.target, email="someone-else@example.com"),
    ]


def ask(client, email: str = ADDRESS):
    return client.post("/subscriptions/", {"email": email})


def manage_path(inbox) -> str:
    return link_in(inbox.messages[-1], "/subscriptions/")


def test_the_page_asks_for_an_address(client):
    page = client.get("/subscriptions/")
    assert page.status_code == 200
    assert re.search(r'<form[^>]*method="post" action="/subscriptions/"', page.text)
    assert 'type="email"' in page.text
    assert 'aria-current="page">My subscriptions' in page.text


def test_an_address_with_subscriptions_is_mailed_a_link(client, inbox, subscriptions):
    response = ask(client, " Watcher@Example.com")

    assert response.status_code == 303 and response["Location"] == "/subscriptions/"
    assert ANSWER in client.get("/subscriptions/").text
    [message] = inbox.messages
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Your CORS Check subscriptions"
    assert re.fullmatch(rf"<{SITE}/unsubscribe/[^/]+/>", message["List-Unsubscribe"].strip())
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = body(message, "plain"), body(message, "html")
    link = re.search(rf"{SITE}/subscriptions/[^/\s]+/", text).group(0)
    assert f'href="{link}"' in html
    assert "(2 subscriptions)" in text and "(2 subscriptions)" in html
    assert "24 hours" in text
    everything = message["List-Unsubscribe"].strip()[1:-1]
    assert everything in text and f'href="{everything}"' in html


def test_an_address_without_subscriptions_gets_the_same_answer_and_no_mail(
    client, inbox, subscriptions
):
    with_them, without = ask(client), ask(client, "nobody@example.com")

    assert (without.status_code, without["Location"]) == (with_them.status_code, "/subscriptions/")
    assert ANSWER in client.get("/subscriptions/").text
    assert [message["To"] for message in inbox.messages] == [ADDRESS]


def test_a_bad_address_is_refused_with_a_clear_message(client, inbox):
    page = ask(client, "not an address")
    assert page.status_code == 400
    assert "That is not an email address we can send to." in page.text
    assert inbox.messages == []


def test_the_page_lists_the_addresss_subscriptions_with_their_options(client, inbox, subscriptions):
    ask(client)
    page = client.get(manage_path(inbox))

    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    assert ADDRESS in page.text  # the one page that shows it, through the mailed link
    assert "someone-else@example.com" not in page.text
    api, www = (
        page.text.index("https://api.example/v1/users"),
        page.text.index("https://www.example/"),
    )
    listed = [page.text[api:www], page.text[www:]]
    assert "Every week" in listed[0] and "Every time" in listed[0]
    assert "https://app.example" in listed[0] and "Confirmed on" in listed[0]
    assert "Every day" in listed[1] and "Only when something changes" in listed[1]
    assert "a page" in listed[1] and "Waiting for confirmation" in listed[1]
    assert page.text.count('name="remove"') == 3  # one each, and "Remove all 2"


def test_the_page_removes_one_subscription_or_all_of_them(client, inbox, subscriptions):
    ask(client)
    path = manage_path(inbox)
    api, www, other = subscriptions

    removed = client.post(path, {"remove": str(api.pk)})
    assert removed.status_code == 303 and removed["Location"] == path
    after = client.get(path).text
    assert "Removed: re-checks of https://api.example/v1/users" in after
    assert "https://api.example/v1/users</a>" not in after
    assert set(Subscription.objects.all()) == {www, other}

    client.post(path, {"remove": str(other.pk)})  # not this address's: nothing happens
    client.post(path, {"remove": "nonsense"})
    assert set(Subscription.objects.all()) == {www, other}

    client.post(path, {"remove": "all"})
    assert list(Subscription.objects.all()) == [other]
    assert "This address has no subscriptions." in client.get(path).text


def test_the_manage_link_expires(client, inbox, subscriptions, settings):
    with time_machine.travel(NOW, tick=False):
        ask(client)
    path = manage_path(inbox)
    max_age = timedelta(seconds=settings.SUBSCRIPTION_MANAGE_MAX_AGE)

    with time_machine.travel(NOW + max_age - timedelta(seconds=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(NOW + max_age + timedelta(seconds=1), tick=False):
        for page in (client.get(path), client.post(path, {"remove": "all"})):
            assert page.status_code == 410
            assert "This link has expired" in page.text
            assert "Ask for a new link" in page.text
            assert ADDRESS not in page.text
    assert Subscription.objects.count() == 3


def test_a_manage_link_opens_nothing_else_and_nothing_else_opens_it(client, inbox, subscriptions):
    ask(client)
    signed = manage_path(inbox).split("/")[2]
    unsubscribe_all = one_click_path(inbox.messages[0]).split("/")[2]

    assert client.post(f"/confirm/{signed}/").status_code == 400
    assert client.post(f"/unsubscribe/{signed}/").status_code == 400
    assert client.get(f"/subscriptions/{unsubscribe_all}/").status_code == 400
    assert client.get(f"/subscriptions/{signed[:-1]}x/").status_code == 400
    assert Subscription.objects.count() == 3


def test_unsubscribing_from_everything_ends_only_this_addresss_subscriptions(
    client, inbox, subscriptions
):
    ask(client)
    path = one_click_path(inbox.messages[0])

    page = client.get(path)
    assert "Stop every re-check mail to this address?" in page.text
    assert "all 2 of its subscriptions" in page.text
    assert ADDRESS not in page.text

    done = client.post(path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
    assert "You are unsubscribed" in done.text
    assert [s.email for s in Subscription.objects.all()] == ["someone-else@example.com"]
