"""Outages lose nothing: with the broker or all of Redis down, a clear 503 page and no orphan.

"Down" is real: the publisher (and, for Redis fully down, the cache) points at a local port that
nothing listens on, so every connection is refused by the kernel.
"""

import os
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from checker import parse_target
from tests.webui.conftest import GOOD_HEADERS, wait_until_ended
from webui import queueing
from webui.models import Scan, Site
from webui.queueing import UNAVAILABLE_MESSAGE
from webui.tasks import dispatch_pending

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]  # closed on leaving: nothing listens there now


def use_publisher(app, url: str) -> None:
    app.conf.broker_url = url
    # Celery caches its connection and producer pools on first use; drop them so the next
    # publish connects to the new URL.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_down(port: int):
    from webui.celery import app

    previous = app.conf.broker_url
    use_publisher(app, f"redis://127.0.0.1:{port}/0")
    try:
        yield
    finally:
        use_publisher(app, previous)


@pytest.fixture
def redis_down(settings, closed_port):
    """The cache (rate-limit counters) and the broker both refuse connections."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        }
    }
    with broker_down(closed_port):
        yield


@pytest.fixture
def services():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")


def orphan(url: str, age: float = 40) -> Scan:
    """A scan whose web process died between saving the row and publishing its task."""
    target = parse_target(url)
    site, _ = Site.objects.get_or_create(host=target.host)
    created = timezone.now() - timedelta(seconds=age)
    return Scan.objects.create(
        site=site, target_raw=url, target_url=target.url, created=created, queued=None
    )


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Try again in a minute" in html
    assert 'class="site-header"' in html  # the site's own layout, not Django's error page


def test_with_the_broker_down_the_form_answers_503_and_the_scan_ends_with_a_reason(
    client, closed_port
):
    with broker_down(closed_port):
        response = client.post("/", {"target": "https://example.com/"})

    assert_unavailable_page(response)
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.FAILED
    assert scan.error == UNAVAILABLE_MESSAGE
    assert scan.finished is not None
    assert scan.queued is None
    assert not Scan.objects.filter(status__in=Scan.ACTIVE).exists()
    # The report page says what happened rather than waiting for ever.
    page = client.get(scan.get_absolute_url(), headers={"HX-Request": "true"})
    assert page.status_code == 286
    assert UNAVAILABLE_MESSAGE in page.content.decode()


def test_with_redis_fully_down_the_form_answers_503_and_writes_nothing(client, redis_down):
    response = client.post("/", {"target": "https://example.com/"})

    assert_unavailable_page(response)
    assert not Scan.objects.exists()


def test_an_orphan_is_not_joined_while_the_queue_is_down_it_is_ended(client, closed_port):
    stranded = orphan("https://example.com/")

    with broker_down(closed_port):
        response = client.post("/", {"target": "https://example.com/"})

    assert_unavailable_page(response)
    stranded.refresh_from_db()
    assert (stranded.status, stranded.error) == (Scan.Status.FAILED, UNAVAILABLE_MESSAGE)
    assert not Scan.objects.filter(status__in=Scan.ACTIVE).exists()


def test_a_dispatch_that_cannot_publish_leaves_the_scan_for_the_next_run(closed_port):
    stranded = orphan("https://example.com/")

    with broker_down(closed_port), pytest.raises(OperationalError):
        dispatch_pending()

    stranded.refresh_from_db()
    assert (stranded.status, stranded.queued) == (Scan.Status.PENDING, None)


@pytest.mark.redis
@pytest.mark.postgres
def test_after_an_outage_a_new_submission_starts_a_new_scan_that_a_worker_runs(
    client, services, allow_loopback, celery_worker, target_server, closed_port
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    celery_worker()
    with broker_down(closed_port):
        assert_unavailable_page(client.post("/", {"target": target_server.url}))
    failed = Scan.objects.get()

    response = client.post("/", {"target": target_server.url})

    assert response.status_code == 303
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    assert scan.pk != failed.pk
    assert scan.queued is not None
    scan = wait_until_ended(scan)
    assert scan.status == Scan.Status.DONE, scan.error
    failed.refresh_from_db()
    assert failed.status == Scan.Status.FAILED


@pytest.mark.redis
@pytest.mark.postgres
def test_the_dispatcher_hands_a_never_published_scan_to_a_worker(
    services, allow_loopback, celery_worker, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    stranded = orphan(target_server.url)
    celery_worker()

    assert dispatch_pending() == 1
    assert dispatch_pending() == 0  # claimed: a second beat does not publish it again
    assert queueing.dispatch(stranded) is False

    scan = wait_until_ended(stranded)
    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.attempts == 1


@pytest.mark.redis
@pytest.mark.postgres
def test_joining_a_never_published_scan_hands_it_to_a_worker_first(
    client, services, allow_loopback, celery_worker, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    stranded = orphan(target_server.url)
    celery_worker()

    response = client.post("/", {"target": target_server.url})

    assert response["Location"] == stranded.get_absolute_url()
    scan = wait_until_ended(stranded)
    assert scan.status == Scan.Status.DONE, scan.error
