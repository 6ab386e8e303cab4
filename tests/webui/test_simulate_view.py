"""The "Will my request work?" pages: the form queues a question, the permalink shows progress.

The web process never talks to the site: these tests run no worker, so whatever reaches a target
server here would have come from the view. Where a verdict is needed, the task runs in this
process, as tests/webui/test_report.py does for scans; the real worker is in
test_simulate_worker.py, and the verdicts themselves in tests/checker/test_live.py.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.targets import RawServer
from webui.models import Scan, Simulation
from webui.tasks import run_scan, run_simulation

APP = "https://app.example"
IPV4 = "203.0.113.7"

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_clock():
    # The rate counters are per fixed time window; a window ending mid-test would reset them.
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def finished_scan(client, url: str) -> Scan:
    response = client.post("/", {"target": url})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    return scan


@pytest.fixture
def scan(client, allow_loopback, target_server) -> Scan:
    target_server.responder = lambda request: (200, [("Content-Type", "text/html")], b"<p>hi")
    scan = finished_scan(client, target_server.url + "/api")
    target_server.requests.clear()
    return scan


def cors_answers(allow_origin: str | None):
    def respond(request):
        headers = [("Content-Type", "application/json")]
        if allow_origin:
            headers.append(("Access-Control-Allow-Origin", allow_origin))
        return 200, headers, b"{}"

    return respond


def ask(client, scan: Scan, address: str = IPV4, htmx: bool = False, **fields):
    data = {"origin": APP, "method": "GET", **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/r/{scan.token}/simulate/", data, REMOTE_ADDR=address, headers=headers)


# --- Asking ----------------------------------------------------------------------------------


def test_the_form_renders_and_works_without_javascript(client, scan):
    html = client.get(f"/r/{scan.token}/simulate/").content.decode()
    assert 'method="post"' in html and f'action="/r/{scan.token}/simulate/"' in html
    assert f'hx-post="/r/{scan.token}/simulate/"' in html
    assert "csrfmiddlewaretoken" in html


def answer_every_request(conn) -> None:
    conn.recv(65536)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\nhi"
    )


@pytest.mark.django_db(transaction=True)
def test_posting_queues_the_question_and_the_web_process_connects_to_nothing(
    client, allow_loopback, private_queue
):
    with RawServer(answer_every_request) as target:
        scan = finished_scan(client, target.url)
        connections = target.accepted

        response = ask(client, scan, method="PUT", headers="X-Api-Key: secret")

        simulation = Simulation.objects.get()
        assert response.status_code == 303
        assert response["Location"] == f"/r/{scan.token}/simulate/{simulation.token}/"
        assert simulation.status == Simulation.Status.PENDING
        assert simulation.queued is not None  # handed to the broker, which no worker reads
        assert (simulation.origin, simulation.method) == (APP, "PUT")
        assert simulation.headers == [["X-Api-Key", "secret"]]
        assert target.accepted == connections


def test_the_question_page_polls_while_pending_and_works_without_javascript(client, scan):
    response = ask(client, scan)
    html = client.get(response["Location"]).content.decode()

    assert f'hx-get="{response["Location"]}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'href="{response["Location"]}"' in html  # a plain link for when polling cannot run
    assert "Your question is queued" in html
    assert 'value="https://app.example"' in html  # the form, filled in as the question was asked


def test_the_partial_keeps_polling_while_the_simulation_is_pending(client, scan):
    location = ask(client, scan)["Location"]

    response = client.get(location, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="simulation-state"')
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html


def test_the_partial_stops_polling_with_the_verdict_once_the_task_has_run(
    client, scan, target_server
):
    target_server.responder = cors_answers(None)
    location = ask(client, scan)["Location"]
    simulation = Simulation.objects.get()

    run_simulation(simulation.pk)

    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.DONE
    assert simulation.attempts == 1 and simulation.started <= simulation.finished
    [sent] = target_server.requests
    assert (sent.method, sent.header("Origin")) == ("GET", APP)
    response = client.get(location, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 286
    assert "hx-get" not in html
    assert "No: every browser blocks this request" in html
    assert "No &#x27;Access-Control-Allow-Origin&#x27; header is present" in html
    page = client.get(location).content.decode()
    assert "No: every browser blocks this request" in page
    assert "<noscript><meta" not in page


def test_the_htmx_post_swaps_in_the_progress_and_gives_the_page_its_permalink(client, scan):
    response = ask(client, scan, credentials="on", htmx=True)

    simulation = Simulation.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/r/{scan.token}/simulate/{simulation.token}/"
    assert html.lstrip().startswith('<div id="simulate-result"')
    assert "<html" not in html
    assert f'hx-get="{response["HX-Push-Url"]}"' in html
    assert simulation.credentials is True


def test_it_rejects_an_origin_with_a_path_and_queues_nothing(client, scan, target_server):
    response = ask(client, scan, origin="https://app.example/page")

    assert "Enter an origin such as" in response.content.decode()
    assert Simulation.objects.count() == 0
    assert target_server.requests == []


def test_a_question_about_another_scan_is_not_found(client, scan):
    location = ask(client, scan)["Location"]
    other = Scan.objects.create(site=scan.site, target_raw="x", target_url="https://x/")

    assert client.get(location.replace(scan.token, other.token)).status_code == 404


# --- Limits ----------------------------------------------------------------------------------


def test_an_address_may_ask_the_allowed_number_of_questions_and_no_more(
    client, scan, settings, frozen_clock, django_capture_on_commit_callbacks
):
    settings.SIMULATE_RATE_LIMIT = "2/m"
    assert ask(client, scan).status_code == 303
    assert ask(client, scan).status_code == 303
    Simulation.objects.update(status=Simulation.Status.DONE)  # the per-host cap is not the point

    with django_capture_on_commit_callbacks() as callbacks:
        response = ask(client, scan)

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many simulations from your network: the limit is 2 simulations per minute." in html
    assert "please try again in a minute." in html
    assert 'value="https://app.example"' in html  # the form comes back as it was filled in
    assert Simulation.objects.count() == 2
    assert callbacks == []
    # Another network keeps its own allowance.
    assert ask(client, scan, address="198.51.100.20").status_code == 303


def test_the_htmx_refusal_is_the_result_partial_with_the_reason(
    client, scan, settings, frozen_clock
):
    settings.SIMULATE_RATE_LIMIT = "1/m"
    ask(client, scan)
    Simulation.objects.update(status=Simulation.Status.DONE)

    response = ask(client, scan, htmx=True)

    html = response.content.decode()
    assert response.status_code == 429
    assert html.lstrip().startswith('<div id="simulate-result"')
    assert "Too many simulations from your network" in html


def test_one_host_gets_only_so_many_questions_from_everybody_together(
    client, scan, settings, frozen_clock
):
    settings.SIMULATE_TARGET_RATE = "2/h"
    for address in ("198.51.100.1", "198.51.100.2"):
        assert ask(client, scan, address=address).status_code == 303
        Simulation.objects.update(status=Simulation.Status.DONE)

    response = ask(client, scan, address="198.51.100.3")

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert f"{scan.site.host} has been asked as many questions through us as we allow" in html
    assert "2 simulations per hour, from all visitors together" in html
    assert Simulation.objects.count() == 2


def test_one_host_has_only_so_many_simulations_under_way_at_once(client, scan, settings):
    settings.SIMULATE_MAX_ACTIVE_PER_TARGET = 2
    first = ask(client, scan, address="198.51.100.1")
    ask(client, scan, address="198.51.100.2")

    response = ask(client, scan, address="198.51.100.3")

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.SIMULATE_DEADLINE)
    assert "We are already running as many simulations of 127.0.0.1 as we allow" in html
    assert Simulation.objects.count() == 2
    # Once one has ended, the next may be asked.
    Simulation.objects.filter(token=first["Location"].split("/")[4]).update(status="done")
    assert ask(client, scan, address="198.51.100.3").status_code == 303


# --- Claims and the reaper -------------------------------------------------------------------


def make_simulation(scan: Scan, **fields) -> Simulation:
    return Simulation.objects.create(scan=scan, origin=APP, method="GET", **fields)


def test_a_second_delivery_does_not_run_a_simulation_again(scan):
    simulation = make_simulation(scan)

    assert Simulation.objects.claim(simulation.pk) is not None
    assert Simulation.objects.claim(simulation.pk) is None

    simulation.refresh_from_db()
    assert (simulation.status, simulation.attempts) == (Simulation.Status.RUNNING, 1)


def test_a_simulation_out_of_attempts_is_given_up_with_the_reason(scan, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SIMULATE_TIME_LIMIT + 1)
    simulation = make_simulation(
        scan, status="running", started=long_ago, attempts=settings.SIMULATE_MAX_ATTEMPTS
    )

    assert Simulation.objects.claim(simulation.pk) is None

    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.FAILED
    assert "never finished, so we gave up" in simulation.error


def test_the_reaper_ends_simulations_left_pending_or_running(scan, settings):
    old = timezone.now() - timedelta(seconds=settings.SIMULATE_STALE_AFTER + 1)
    pending = make_simulation(scan, created=old)
    running = make_simulation(scan, status="running", started=old)
    fresh = make_simulation(scan)

    assert Simulation.objects.reap_stale() == 2

    for simulation in (pending, running, fresh):
        simulation.refresh_from_db()
    assert pending.status == running.status == Simulation.Status.FAILED
    assert "did not finish in time" in pending.error
    assert fresh.status == Simulation.Status.PENDING
    assert "reap-stale-simulations" in settings.CELERY_BEAT_SCHEDULE


# --- Outages ---------------------------------------------------------------------------------


@pytest.fixture
def dead_redis_url():
    """The URL of a Redis that is not there: a port bound on loopback that accepts nothing."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs the Redis broker")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{held.getsockname()[1]}/0"


@pytest.fixture
def broker_down(dead_redis_url):
    from webui.celery import app

    def point_at(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None  # the publisher's connections were made for the old URL
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    point_at(dead_redis_url)
    yield dead_redis_url
    point_at(previous)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_question_ends_failed_and_the_answer_is_503(
    client, scan, broker_down
):
    response = ask(client, scan)

    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Please try again in a minute." in html
    simulation = Simulation.objects.get()
    assert simulation.status == Simulation.Status.FAILED
    assert "our task queue is not answering" in simulation.error
    assert simulation.queued is None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_entirely_nothing_is_written_and_the_answer_is_503(
    client, scan, broker_down, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": broker_down,
        }
    }

    response = ask(client, scan)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Please try again in a minute." in response.content.decode()
    assert Simulation.objects.count() == 0


def test_the_verdict_names_each_browser_and_where_the_standard_parts_ways(
    client, scan, target_server
):
    def respond(request):
        headers = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*")]
        if request.method == "OPTIONS":
            headers.append(("Access-Control-Max-Age", "86400"))
        return (204 if request.method == "OPTIONS" else 200), headers, b""

    target_server.responder = respond
    location = ask(client, scan, headers="Authorization: Bearer t")["Location"]
    run_simulation(Simulation.objects.get().pk)

    page = client.get(location).content.decode()
    # The scanned server is plain HTTP on loopback and the page public: Chromium asks first,
    # and WebKit counts it as mixed content.
    assert (
        "It depends on the browser: allowed only with the user&#x27;s permission in Chromium"
        " (Chrome, Edge, Opera); allowed in Firefox; blocked in Safari (WebKit)"
    ) in page
    assert "Chromium (Chrome, Edge, Opera):\n        only if the user allows it" in page
    assert "Firefox:\n        allowed" in page
    assert "Safari (WebKit):\n        blocked" in page
    assert "[blocked] The page at https://app.example/ requested insecure content" in page
    assert "The Fetch standard says:</strong>\n      blocked" in page
    assert "for 7200 s (the server asked for 86400 s, capped at 7200 s)" in page
    assert "for 86400 s (the server asked for 86400 s)" in page
    assert "Step by step in Firefox" in page
