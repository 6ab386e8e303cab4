"""A web request never waits on the mail server: its mails go to the worker through the queue
(webui.mail.QueuedBackend), and the worker delivers them (EMAIL_URL) to a real SMTP server."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail

from tests.smtp import body, free_port
from tests.webui.test_outages import broker_down
from tests.webui.watching import ADDRESS, ended_scan, link_in, subscribe
from webui import mail
from webui.models import Subscription

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.timeout(120)
def test_the_confirmation_is_queued_by_the_request_and_delivered_by_the_worker(
    worker_services, celery_worker, smtp_server, settings, client
):
    settings.EMAIL_BACKEND = mail.QUEUED_BACKEND
    settings.SITE_URL = "https://corscheck.example"
    scan = ended_scan("https://shop.example/")

    response = subscribe(client, scan)

    assert response.status_code == 303
    assert Subscription.objects.get().email == ADDRESS
    # The request only queued it: nothing reached the mail server, nor the test outbox.
    assert smtp_server.inbox.messages == [] and django_mail.outbox == []
    celery_worker(EMAIL_URL=smtp_server.email_url, SITE_URL="https://corscheck.example")
    [message] = smtp_server.inbox.wait_for(1, timeout=60)
    assert message["To"] == ADDRESS
    assert "shop.example" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_in(message, "/confirm/")
    assert "/confirm/" in body(message, "html")


def test_a_broker_that_is_down_refuses_the_subscription_and_keeps_no_row(client, settings):
    settings.EMAIL_BACKEND = mail.QUEUED_BACKEND
    scan = ended_scan("https://shop.example/")

    with broker_down(free_port()):  # nothing listens there
        response = subscribe(client, scan)

    assert response.status_code == 503
    assert "could not" in response.content.decode().lower()
    assert Subscription.objects.count() == 0
