"""Live simulations end to end: the form, a real Celery worker, real Redis and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from tests.targets import RawServer
from webui.models import Scan, Simulation
from webui.tasks import run_scan

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_services"),
]

APP = "https://app.example"


def finished_scan(client, url: str) -> Scan:
    response = client.post("/", {"target": url})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    return scan


def wait_until_ended(simulation: Simulation, seconds: float = 60) -> Simulation:
    deadline = time.monotonic() + seconds
    simulation.refresh_from_db()
    while simulation.is_active:
        if time.monotonic() > deadline:
            raise AssertionError(f"simulation {simulation.token} still {simulation.status}")
        time.sleep(0.1)
        simulation.refresh_from_db()
    return simulation


LNA_SUMMARY = (
    "It depends on the browser: allowed only with the user&#x27;s permission in Chromium"
    " (Chrome, Edge, Opera); allowed in Firefox; blocked in Safari (WebKit)"
)


def ask(client, scan: Scan, **fields) -> tuple[str, Simulation]:
    """A plain form post, as without JavaScript: 303 to the question's permalink."""
    response = client.post(f"/r/{scan.token}/simulate/", {"origin": APP, "method": "GET", **fields})
    assert response.status_code == 303, response.content.decode()
    token = response["Location"].rstrip("/").split("/")[-1]
    return response["Location"], Simulation.objects.get(token=token)


def test_a_worker_answers_the_question_and_the_page_shows_the_verdict(
    client, allow_loopback, celery_worker, target_server
):
    def api(request):
        headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", APP)]
        if request.method == "OPTIONS":
            headers += [("Access-Control-Allow-Methods", "PUT")]
            return 204, headers, b""
        return 200, headers, b"{}"

    target_server.responder = api
    scan = finished_scan(client, target_server.url + "/items")
    target_server.requests.clear()
    location, simulation = ask(client, scan, method="PUT")
    # No worker runs yet: the page without JavaScript says so and refreshes itself.
    page = client.get(location).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "Your question is queued" in page
    assert target_server.requests == []

    worker = celery_worker()
    simulation = wait_until_ended(simulation)

    assert simulation.status == Simulation.Status.DONE, simulation.error
    assert simulation.result["verdict"]["allowed"] is True
    assert "webui.tasks.run_simulation" in worker.log()
    assert [r.method for r in target_server.requests] == ["OPTIONS", "GET"]
    response = client.get(location, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 286
    # The test server is plain HTTP on loopback and the page public: Chromium asks the user
    # first, WebKit counts it as mixed content.
    assert LNA_SUMMARY in html
    assert "We did not send PUT to your site" in html
    page = client.get(location).content.decode()
    assert LNA_SUMMARY in page
    assert "<noscript><meta" not in page


def test_a_dripping_preflight_ends_within_the_deadline_with_an_honest_outcome(
    client, allow_loopback, celery_worker
):
    dripping = threading.Event()  # set once the scan is done: the scan's own probes get answers

    def page_then_drip(conn):
        request = conn.recv(65536)
        if not (dripping.is_set() and request.startswith(b"OPTIONS")):
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n"
                b"Connection: close\r\n\r\nhi"
            )
            return
        conn.sendall(b"HTTP/1.1 204 No Content\r\n")
        for _ in range(600):  # a byte every 0.1 s: no single read ever times out
            conn.sendall(b"X")
            time.sleep(0.1)

    with RawServer(page_then_drip) as target:
        scan = finished_scan(client, target.url)
        dripping.set()
        celery_worker(SIMULATE_DEADLINE="2")

        location, simulation = ask(client, scan, method="PUT")
        simulation = wait_until_ended(simulation, seconds=30)  # generous: the deadline is 2 s

    assert simulation.status == Simulation.Status.DONE, simulation.error
    assert simulation.result["timed_out"] is True
    html = client.get(location).content.decode()
    assert "The site did not answer in time" in html
    assert "The site did not answer within 2 seconds, so we stopped asking." in html


def test_a_simulation_over_its_soft_time_limit_ends_failed_with_the_reason(
    client, allow_loopback, celery_worker, target_server, monkeypatch
):
    from webui.tasks import run_simulation

    scan = finished_scan(client, target_server.url)

    def slow(request):
        time.sleep(4)  # longer than the worker's one-second soft limit
        return 200, [("Access-Control-Allow-Origin", "*")], b"late"

    target_server.responder = slow
    # The publisher stamps the limits on the message; web and worker read the same settings.
    monkeypatch.setattr(run_simulation, "soft_time_limit", 1)
    monkeypatch.setattr(run_simulation, "time_limit", 10)
    monkeypatch.setattr(run_simulation, "_exec_options", None)  # Celery caches them on first send
    celery_worker(SIMULATE_SOFT_TIME_LIMIT="1", SIMULATE_TIME_LIMIT="10")

    location, simulation = ask(client, scan)
    simulation = wait_until_ended(simulation)

    assert simulation.status == Simulation.Status.FAILED
    assert "time limit" in simulation.error
    assert simulation.error in client.get(location).content.decode()
