""" "Why is my request blocked?": the form, the answer, and the live check it queues.

No worker runs here, so whatever reached a target server would have come from the web process;
where the live verdict is needed the task runs in this process, as test_simulate_view.py does.
The real worker is in test_explain_worker.py.
"""

from __future__ import annotations

import re

import pytest

from checker.explain import MAX_MESSAGE_LENGTH
from webui.models import Simulation
from webui.tasks import run_simulation

pytestmark = pytest.mark.django_db

APP = "https://www.shop.example"
API = "https://api.shop.example/v1/orders"


def chromium(url: str, reason: str, origin: str = APP) -> str:
    return (
        f"Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy:"
        f" {reason}\nFailed to load resource: net::ERR_FAILED"
    )


NO_ACAO = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
FIREFOX = (
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at"
    f" {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.\n"
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at"
    f" {API}. (Reason: CORS request did not succeed). Status code: (null)."
)


def test_every_page_links_to_the_explainer_under_its_name(client):
    for path in ("/", "/glossary/", "/scoring/"):
        html = client.get(path).content.decode()
        assert '<a href="/explain/">Why is my request blocked?</a>' in html, path


def test_the_form_asks_for_the_message_and_optionally_the_url_and_origin(client):
    html = client.get("/explain/").content.decode()

    assert re.search(r'<textarea name="message"[^>]*id="id_message"', html)
    assert 'name="url"' in html and 'name="origin"' in html
    assert 'aria-current="page">Why is my request blocked?' in html


def test_the_glossary_can_hand_a_message_to_the_form(client):
    html = client.get("/explain/", {"message": NO_ACAO}).content.decode()

    assert "No &#x27;Access-Control-Allow-Origin&#x27; header is present" in html
    assert Simulation.objects.count() == 0


def test_an_empty_message_is_refused_with_a_reason(client):
    response = client.post("/explain/", {"message": "  "})

    assert response.status_code == 400
    assert "Paste the message your browser&#x27;s console printed." in response.content.decode()
    assert Simulation.objects.count() == 0


def test_a_huge_message_is_refused_with_a_reason(client):
    response = client.post("/explain/", {"message": chromium(API, NO_ACAO) + "x" * 10_000})

    assert response.status_code == 400
    assert f"more than {MAX_MESSAGE_LENGTH:,} characters" in response.content.decode()
    assert Simulation.objects.count() == 0


def test_a_bad_url_or_origin_is_refused(client):
    response = client.post(
        "/explain/", {"message": FIREFOX, "url": "ftp://x", "origin": "https://a.example/path"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter an http:// or https:// URL." in html
    assert "Enter an origin such as" in html


def test_a_message_we_do_not_know_says_so_and_suggests_entries(client):
    response = client.post("/explain/", {"message": "preflight request redirected somewhere"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "We do not recognise this message" in html
    assert 'href="/glossary/' in html
    assert Simulation.objects.count() == 0


def test_a_firefox_message_is_explained_and_asks_for_the_origin_to_confirm(client):
    response = client.post("/explain/", {"message": FIREFOX})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Firefox blocked it" in html
    assert 'href="/glossary/error-no-allow-origin-header/"' in html
    assert "Have api.shop.example answer requests from https://your-page.example" in html
    assert "Access-Control-Allow-Origin: https://your-page.example\nVary: Origin" in html
    assert "does not name your page's origin" in html
    assert Simulation.objects.count() == 0  # no origin: nothing to ask the site


def test_the_origin_given_fills_the_fix_and_queues_the_live_check(client):
    response = client.post("/explain/", {"message": FIREFOX, "origin": APP})

    assert response.status_code == 303
    simulation = Simulation.objects.get()
    assert response["Location"] == f"/explain/{simulation.token}/"
    assert (simulation.url, simulation.host, simulation.origin) == (API, "api.shop.example", APP)
    assert simulation.scan is None and simulation.message == FIREFOX
    html = client.get(response["Location"]).content.decode()
    assert f"Access-Control-Allow-Origin: {APP}\nVary: Origin" in html


def test_a_chromium_message_queues_the_fetch_it_describes(
    client, django_capture_on_commit_callbacks
):
    message = chromium(
        API,
        "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in"
        " preflight response.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/explain/", {"message": message})

    assert response.status_code == 303
    simulation = Simulation.objects.get()
    assert simulation.status == Simulation.Status.PENDING
    assert simulation.queued is not None  # handed to the broker, which no worker reads here
    assert (simulation.method, simulation.headers) == ("GET", [["x-api-key", "1"]])
    assert simulation.credentials is False
    html = client.get(response["Location"]).content.decode()
    assert "Request header field x-api-key" in html  # the message, in the form to edit
    assert 'href="/glossary/error-header-not-allowed/"' in html
    assert "Access-Control-Allow-Headers: x-api-key" in html
    assert f'hx-get="{response["Location"]}"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "Your question is queued" in html


def test_a_message_about_credentials_asks_with_credentials(client):
    message = (
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.\n"
        f"Fetch API cannot load {API} due to access control checks."
    )
    client.post("/explain/", {"message": message, "origin": APP})

    simulation = Simulation.objects.get()
    assert simulation.credentials is True
    assert simulation.url == API


def test_a_failed_preflight_is_asked_with_a_request_that_needs_one(client):
    message = chromium(
        API,
        "Response to preflight request doesn't pass access control check: It does not have HTTP"
        " ok status.",
    )
    client.post("/explain/", {"message": message})

    simulation = Simulation.objects.get()
    assert (simulation.method, simulation.headers) == (
        "GET",
        [["Content-Type", "application/json"]],
    )


def test_the_url_in_the_form_wins_over_the_one_in_the_message(client):
    client.post("/explain/", {"message": chromium(API, NO_ACAO), "url": "https://other.example/x"})

    assert Simulation.objects.get().url == "https://other.example/x"


def test_the_live_check_confirms_the_message_against_the_site(
    client, allow_loopback, target_server
):
    target_server.responder = lambda request: (200, [("Content-Type", "application/json")], b"{}")
    url = target_server.url + "/v1/orders"
    response = client.post("/explain/", {"message": chromium(url, NO_ACAO)})
    location = response["Location"]
    simulation = Simulation.objects.get()
    assert target_server.requests == []  # the web process sent nothing

    pending = client.get(location, headers={"HX-Request": "true"})
    assert pending.status_code == 200
    assert pending.content.decode().lstrip().startswith('<div id="simulation-state"')

    run_simulation(simulation.pk)

    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.DONE, simulation.error
    [sent] = target_server.requests
    assert (sent.method, sent.header("Origin")) == ("GET", APP)
    done = client.get(location, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "No: every browser blocks this request" in done.content.decode()
    page = client.get(location).content.decode()
    assert "No: every browser blocks this request" in page
    assert "allow-origin-missing" in page
    assert "<noscript><meta" not in page


def test_the_live_check_refuses_a_private_address_in_the_worker(client, settings, target_server):
    # Only the port is allowed: the engine's guard still refuses loopback, as for any visitor.
    settings.CHECKER_ALLOWED_PORTS = ((target_server.port, target_server.port),)
    url = target_server.url + "/v1/orders"
    client.post("/explain/", {"message": chromium(url, NO_ACAO)})
    simulation = Simulation.objects.get()

    run_simulation(simulation.pk)

    simulation.refresh_from_db()
    assert target_server.requests == []
    assert simulation.result["verdict"]["failure"]["id"] == "no-response"
    page = client.get(simulation.get_absolute_url()).content.decode()
    assert "not a public address" in page


def test_an_explainer_permalink_is_not_a_scans_simulation(client):
    assert client.get("/explain/abcdefgh12345678/").status_code == 404


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ([], "The live check agrees with your message"),
        ([("Access-Control-Allow-Origin", "*")], "The live check let this request through today"),
    ],
)
def test_the_answer_says_whether_the_live_site_still_fails_that_rule(
    client, allow_loopback, target_server, headers, said
):
    target_server.responder = lambda request: (200, headers, b"{}")
    client.post("/explain/", {"message": chromium(target_server.url + "/v1", NO_ACAO)})
    simulation = Simulation.objects.get()

    run_simulation(simulation.pk)

    assert said in client.get(simulation.get_absolute_url()).content.decode()


def test_the_answer_names_another_rule_when_the_site_fails_another_today(
    client, allow_loopback, target_server
):
    # The message blamed the preflight's status; today the preflight passes but the answer to
    # the request itself carries no Access-Control-Allow-Origin.
    def api(request):
        if request.method == "OPTIONS":
            return (
                204,
                [("Access-Control-Allow-Origin", APP), ("Access-Control-Allow-Headers", "*")],
                b"",
            )
        return 200, [("Content-Type", "application/json")], b"{}"

    target_server.responder = api
    url = target_server.url + "/v1"
    message = chromium(
        url,
        "Response to preflight request doesn't pass access control check: It does not have HTTP"
        " ok status.",
    )
    client.post("/explain/", {"message": message})
    simulation = Simulation.objects.get()

    run_simulation(simulation.pk)

    html = client.get(simulation.get_absolute_url()).content.decode()
    assert (
        "The live check found another rule failing today: <code>allow-origin-missing</code>" in html
    )
    assert 'href="/glossary/error-no-allow-origin-header/"' in html


def test_a_safari_message_is_judged_as_safari_would(client, allow_loopback, tls_target_server):
    # A preflight refused with 403 and no CORS headers: Chromium and the standard name the missing
    # Access-Control-Allow-Origin, WebKit the status, as the message did. (Over https: WebKit
    # counts plain http on loopback as mixed content for an https page.)
    tls_target_server.responder = lambda request: (403, [], b"")
    url = tls_target_server.url + "/v1"
    message = (
        "Preflight response is not successful. Status code: 403\n"
        f"Fetch API cannot load {url} due to access control checks."
    )
    client.post("/explain/", {"message": message, "origin": APP})
    simulation = Simulation.objects.get()

    run_simulation(simulation.pk)

    assert simulation.__class__.objects.get().result["verdict"]["failure"]["id"] == (
        "allow-origin-missing"
    )
    html = client.get(simulation.get_absolute_url()).content.decode()
    assert "The live check agrees with your message: the site still fails" in html
    assert "<code>preflight-status</code>" in html


def test_a_busy_host_is_not_asked_again_and_the_answer_still_comes(client, settings):
    settings.SIMULATE_MAX_ACTIVE_PER_TARGET = 1
    assert client.post("/explain/", {"message": chromium(API, NO_ACAO)}).status_code == 303

    response = client.post("/explain/", {"message": chromium(API, NO_ACAO)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "We did not check the live site" in html
    assert "api.shop.example" in html
    assert 'href="/glossary/error-no-allow-origin-header/"' in html
    assert Simulation.objects.count() == 1


def test_the_visitors_simulation_rate_counts_explainer_checks_too(client, settings):
    settings.SIMULATE_RATE_LIMIT = "1/m"
    client.post("/explain/", {"message": chromium(API, NO_ACAO)})

    response = client.post("/explain/", {"message": chromium("https://b.example/x", NO_ACAO)})

    assert "We did not check the live site" in response.content.decode()
    assert Simulation.objects.count() == 1
