"""The explainer's live check end to end: the form, a real Celery worker, Redis and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.webui.test_simulate_worker import wait_until_ended
from webui.models import Simulation

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_services"),
]

APP = "https://www.shop.example"


def test_a_worker_confirms_a_pasted_safari_message_against_the_live_site(
    client, allow_loopback, celery_worker, tls_target_server
):
    def api(request):
        if request.method == "OPTIONS":  # allowed origin, but not a 2xx: every browser fails it
            return 403, [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", APP)], b""
        return (
            200,
            [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", APP)],
            b"{}",
        )

    tls_target_server.responder = api
    url = tls_target_server.url + "/v1/orders"
    message = (
        "[Error] Preflight response is not successful. Status code: 403\n"
        f"[Error] Fetch API cannot load {url} due to access control checks.\n"
        "[Error] Failed to load resource: Preflight response is not successful. Status code: 403"
    )
    response = client.post("/explain/", {"message": message, "origin": APP})
    assert response.status_code == 303, response.content.decode()
    location = response["Location"]
    simulation = Simulation.objects.get()
    assert tls_target_server.requests == []  # nothing left the web process

    worker = celery_worker()
    simulation = wait_until_ended(simulation)

    assert simulation.status == Simulation.Status.DONE, simulation.error
    assert "webui.tasks.run_simulation" in worker.log()
    assert simulation.result["verdict"]["failure"]["id"] == "preflight-status"
    [preflight] = tls_target_server.requests
    assert preflight.method == "OPTIONS"
    assert preflight.header("Origin") == APP
    assert preflight.header("Access-Control-Request-Headers") == "content-type"
    done = client.get(location, headers={"HX-Request": "true"})
    assert done.status_code == 286
    html = done.content.decode()
    assert "No: every browser blocks this request" in html
    assert "The live check agrees with your message" in html
    page = client.get(location).content.decode()
    assert "Safari blocked it, at the preflight" in page
    assert 'href="/glossary/error-preflight-not-ok-status/"' in page
    assert "HTTP/1.1 204 No Content\nAccess-Control-Allow-Origin: https://www.shop.example" in page
