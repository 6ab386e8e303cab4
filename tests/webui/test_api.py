"""The JSON API through Django's test client: every endpoint, every error code, the headers.

These run on whatever database DATABASE_URL names (PostgreSQL in CI), so a value that reached a
query it should not (a NUL byte, a 3 000-character token) raises there instead of passing.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import path
from django.utils import timezone

from tests.webui.conftest import GOOD_HEADERS
from webui.api.errors import CODES
from webui.models import Scan, Site
from webui.queueing import UNAVAILABLE_MESSAGE
from webui.tasks import run_scan
from webui.urls import urlpatterns as site_urlpatterns

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SCANS = "/api/v1/scans"
HISTORY = "/api/v1/targets/history"
SITE_URL = "https://corscheck.test"


def boom(request):
    raise RuntimeError("a fault in our own code")


# This module is also a URLconf (see the crash test): the site's patterns and a view that breaks.
urlpatterns = [path("api/v1/boom", boom), *site_urlpatterns]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def frozen_clock():
    # Rate counters are per fixed time window; a window ending mid-test would reset them.
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def post_json(client: Client, body, path: str = SCANS, **extra):
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, content, content_type="application/json", **extra)


def assert_error(response, status: int, code: str, message: str | None = None) -> dict:
    """An error answer: the status, the JSON shape, the code as documented."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"code", "message", "field"}
    assert body["code"] == code
    assert CODES[code][0] == status
    assert body["message"].endswith(".")
    if message is not None:
        assert body["message"] == message
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "no-store"
    return body


def scan_row(url: str, **fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    return Scan.objects.create(site=site, target_raw=url, target_url=url, **fields)


def done_scan(url: str, **fields) -> Scan:
    values = {"status": Scan.Status.DONE, "grade": "B", "score": 80, "finished": timezone.now()}
    return scan_row(url, **{**values, **fields})


# --- POST /api/v1/scans --------------------------------------------------------------------------


def test_a_scan_is_started_and_answered_202_with_its_api_url_and_permalink(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(
            client,
            {"target": "API.example.com/v1/users", "frontend_origin": "https://app.example"},
        )

    assert response.status_code == 202, response.content.decode()
    scan = Scan.objects.get()
    body = response.json()
    assert body["token"] == scan.token
    assert body["url"] == f"{SITE_URL}/api/v1/scans/{scan.token}"
    assert body["permalink"] == f"{SITE_URL}/r/{scan.token}/"
    assert response["Location"] == body["url"]
    assert (body["status"], body["new"], body["grade"]) == ("pending", True, None)
    assert "report" not in body
    # Stored as the form stores it: the spec (no scheme typed), the origin, raw as typed.
    assert scan.target_url == "api.example.com/v1/users"
    assert body["target"] == "api.example.com/v1/users"
    assert scan.target_raw == "API.example.com/v1/users"
    assert scan.frontend_origin == "https://app.example"
    assert len(callbacks) == 1  # queued once the row is committed
    assert response["Cache-Control"] == "no-store"


def test_the_profile_and_private_flag_are_kept(client):
    response = post_json(
        client, {"target": "https://example.com/", "profile": "api", "private": True}
    )

    assert response.status_code == 202
    scan = Scan.objects.get()
    assert (scan.profile, scan.private) == ("api", True)
    assert response.json()["private"] is True


def test_a_recent_public_scan_of_the_same_target_is_given_instead_of_a_new_one(
    client, django_capture_on_commit_callbacks
):
    earlier = done_scan("https://example.com/", finished=timezone.now() - timedelta(seconds=30))

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(client, {"target": "https://EXAMPLE.com"})

    assert response.status_code == 202
    body = response.json()
    assert (body["token"], body["new"], body["status"]) == (earlier.token, False, "done")
    assert Scan.objects.count() == 1
    assert callbacks == []


def test_a_private_request_never_gets_someone_elses_scan(client):
    earlier = done_scan("https://example.com/")

    response = post_json(client, {"target": "https://example.com/", "private": True})

    assert response.json()["token"] != earlier.token
    assert response.json()["new"] is True


def test_a_csrf_enforcing_client_may_post_the_api_needs_no_cookie_or_token():
    response = post_json(Client(enforce_csrf_checks=True), {"target": "example.com"})

    assert response.status_code == 202


# The same input through the home form and through the API: the same refusal, word for word.
FORM_AND_API = [
    ({"target": "javascript:alert(1)"}, "bad_target", "target"),
    ({"target": ""}, "bad_target", "target"),
    ({"target": "   "}, "bad_target", "target"),
    ({"target": "https://exa mple.com/"}, "bad_target", "target"),
    ({"target": "https://example.com/\x00"}, "bad_target", "target"),
    ({"target": "http://127.0.0.1/"}, "refused_address", "target"),
    ({"target": "http://[::ffff:10.0.0.1]/"}, "refused_address", "target"),
    ({"target": "https://example.com:22/"}, "refused_port", "target"),
    ({"target": "example.com", "frontend_origin": "app.example"}, "bad_origin", "frontend_origin"),
    (
        {"target": "example.com", "frontend_origin": "https://" + "a" * 300 + ".example"},
        "bad_origin",
        "frontend_origin",
    ),
]


@pytest.mark.parametrize(("fields", "code", "field"), FORM_AND_API)
def test_the_api_refuses_what_the_form_refuses_with_the_same_sentence(client, fields, code, field):
    form = client.post("/", fields)
    form_errors = [
        line.strip()
        for line in form.context["form"].errors[field]  # the sentence the page shows
    ]

    body = assert_error(post_json(client, fields), 400, code)

    assert body["field"] == field
    assert body["message"] == form_errors[0]
    assert not Scan.objects.exists()


# --- Authenticated scans: extra request headers ------------------------------------------------

SECRET = "SECRET-TOKEN-4242"


def test_extra_headers_make_an_authenticated_private_scan_and_the_value_is_kept_nowhere(
    client, django_capture_on_commit_callbacks
):
    public = done_scan("https://example.com/")

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(
            client,
            {"target": "https://example.com/", "headers": [f"Authorization: Bearer {SECRET}"]},
        )

    assert response.status_code == 202, response.content.decode()
    body = response.json()
    assert (body["new"], body["private"]) == (True, True)  # never the public scan above
    assert body["token"] != public.token
    scan = Scan.objects.get(token=body["token"])
    assert (scan.authenticated, scan.request_header_names) == (True, ["Authorization"])
    assert SECRET not in response.content.decode()
    stored = json.dumps(list(Scan.objects.filter(pk=scan.pk).values()), default=str)
    assert SECRET not in stored
    assert len(callbacks) == 1
    assert SECRET not in client.get(f"{SCANS}/{scan.token}").content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        ["Authorization Bearer SECRET-TOKEN-4242"],  # no colon
        ["X-Ok: 1", "Bad Name: SECRET-TOKEN-4242"],
        ["Authorization: Bearer SECRET-TOKEN-4242\r\nX-Injected: 1"],
        ["Host: SECRET-TOKEN-4242"],  # a header the engine sets itself
    ],
)
def test_a_bad_header_line_is_bad_headers_and_the_answer_never_quotes_it(client, headers, caplog):
    caplog.set_level("DEBUG")
    response = post_json(client, {"target": "https://example.com/", "headers": headers})

    body = assert_error(response, 400, "bad_headers")
    assert body["field"] == "headers"
    assert SECRET not in response.content.decode()
    assert SECRET not in caplog.text
    assert not Scan.objects.exists()


def test_the_api_says_of_a_header_line_what_the_form_says(client):
    form = client.post("/", {"target": "example.com", "request_headers": "X-Ok: 1\nno colon"})
    said = form.context["form"].errors["request_headers"][0]

    body = assert_error(
        post_json(client, {"target": "example.com", "headers": ["X-Ok: 1", "no colon"]}),
        400,
        "bad_headers",
    )

    assert body["message"] == said
    assert said.startswith("Line 2: ")


def test_a_body_that_is_not_json_is_malformed_json(client):
    assert_error(post_json(client, "{target: example.com"), 400, "malformed_json")
    assert_error(post_json(client, b"\xff\xfe"), 400, "malformed_json")
    assert_error(
        client.post(SCANS, {"target": "example.com"}),  # a form post, not JSON
        400,
        "malformed_json",
    )


def test_a_body_over_the_upload_limit_is_body_too_large(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post_json(client, {"target": "example.com/" + "x" * 2000})

    assert_error(response, 413, "body_too_large")
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "target", "target is required."),
        ({"target": 5}, "target", "target must be a string."),
        ({"target": "example.com", "private": "yes"}, "private", "private must be true or false."),
        ({"target": "example.com", "profile": "both"}, "profile", None),
        (
            {"target": "example.com", "frontend_orgin": "https://app.example"},
            "frontend_orgin",
            "frontend_orgin is not a field this request takes.",
        ),
        ({"target": "example.com", "headers": "Authorization: x"}, "headers", None),
        ([], "body", "The request body must be a JSON object."),
        ("", "body", "body is required."),
    ],
)
def test_a_body_off_the_schema_is_invalid_request_naming_the_field(client, body, field, message):
    response = post_json(client, json.dumps(body) if body != "" else "")

    answer = assert_error(response, 422, "invalid_request", message)

    assert answer["field"] == field
    assert not Scan.objects.exists()


def test_over_the_rate_limit_the_api_answers_429_with_retry_after_and_queues_nothing(
    client, settings, frozen_clock, django_capture_on_commit_callbacks
):
    settings.SCAN_RATE_LIMIT = "2/m"
    settings.SCAN_MAX_ACTIVE_PER_CLIENT = 10
    for number in range(2):
        assert post_json(client, {"target": f"site{number}.example"}).status_code == 202

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(client, {"target": "one-too-many.example"})

    assert_error(
        response,
        429,
        "rate_limited",
        "Too many scans from your network: the limit is 2 scans per minute. Nothing was "
        "queued; please try again in a minute.",
    )
    assert response["Retry-After"] == "60"
    assert callbacks == []
    assert Scan.objects.count() == 2


def test_the_form_and_the_api_share_one_allowance(client, settings, frozen_clock):
    settings.SCAN_RATE_LIMIT = "1/m"
    assert client.post("/", {"target": "first.example"}).status_code == 303

    assert_error(post_json(client, {"target": "second.example"}), 429, "rate_limited")


def test_with_too_many_scans_under_way_the_api_answers_429_too_many_active(client, settings):
    settings.SCAN_MAX_ACTIVE_PER_HOST = 1
    site = Site.objects.create(host="busy.example")
    Scan.objects.create(
        site=site, target_raw="x", target_url="https://busy.example/a", status=Scan.Status.RUNNING
    )

    response = post_json(client, {"target": "https://busy.example/b"})

    body = assert_error(response, 429, "too_many_active")
    assert "busy.example already has 1 scan under way" in body["message"]
    assert response["Retry-After"] == str(settings.SCAN_SOFT_TIME_LIMIT)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_api_answers_503_and_the_scan_ends_with_a_reason(
    client, closed_port
):
    from tests.webui.test_outages import broker_down

    with broker_down(closed_port):
        response = post_json(client, {"target": "https://example.com/"})

    assert_error(response, 503, "queue_unavailable")
    assert response["Retry-After"] == "60"
    scan = Scan.objects.get()
    assert (scan.status, scan.error) == (Scan.Status.FAILED, UNAVAILABLE_MESSAGE)


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


# --- GET /api/v1/scans/{token} -------------------------------------------------------------------


def test_a_pending_scan_gives_its_status_and_no_report(client):
    scan = scan_row("https://example.com/")

    response = client.get(f"{SCANS}/{scan.token}")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["report"], body["grade"], body["score"]) == (
        "pending",
        None,
        None,
        None,
    )
    assert body["permalink"] == f"{SITE_URL}/r/{scan.token}/"
    assert body["history"] == f"{SITE_URL}/t/{scan.target.token}/"
    assert response["Cache-Control"] == "no-cache"


def test_a_finished_scan_gives_the_engines_report_with_the_catalogues_words(
    client, allow_loopback, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    started = post_json(client, {"target": target_server.url + "/app"}).json()
    scan = Scan.objects.get(token=started["token"])
    run_scan(scan.pk)
    scan.refresh_from_db()

    response = client.get(started["url"].removeprefix(SITE_URL))

    body = response.json()
    assert body["status"] == "done"
    assert (body["grade"], body["score"]) == (scan.grade, scan.score)
    assert body["grade"] and body["score"] is not None
    report = body["report"]
    # The engine's JSON, every key of it, as the worker stored it...
    for key, value in scan.report.items():
        if key not in ("findings", "not_applicable"):
            assert report[key] == value, key
    assert [f["id"] for f in report["findings"]] == [f["id"] for f in scan.report["findings"]]
    # ...and each finding with its catalogue row beside what the engine saw.
    from checker.findings import CATALOGUE

    for stored, answered in zip(scan.report["findings"], report["findings"], strict=True):
        row = CATALOGUE[stored["id"]]
        assert answered["title"] == stored["title"]
        assert answered["catalogue_title"] == row.title
        assert answered["observed"] and "observed" not in stored  # said, never stored
        assert answered["meaning"] == row.meaning
        assert answered["area"] == row.area
        assert answered["glossary_url"] == f"{SITE_URL}/glossary/{stored['glossary']}/"
    assert response["Cache-Control"] == "max-age=300"


def test_an_unreachable_scan_says_why(client):
    scan = scan_row(
        "https://example.com/",
        status=Scan.Status.UNREACHABLE,
        error="No such name.",
        finished=timezone.now(),
    )

    body = client.get(f"{SCANS}/{scan.token}").json()

    assert (body["status"], body["message"], body["grade"]) == (
        "unreachable",
        "No such name.",
        None,
    )


def test_a_private_scan_is_read_by_its_token_but_links_to_no_history(client):
    scan = scan_row("https://example.com/", private=True)

    body = client.get(f"{SCANS}/{scan.token}").json()

    assert (body["private"], body["history"]) == (True, None)


@pytest.mark.parametrize(
    "token", ["abcdefghijkl", "short", "x" * 3000, "%00%00%00%00%00%00%00%00%00%00%00%00", "é" * 12]
)
def test_an_unknown_token_is_a_json_404(client, token):
    body = assert_error(client.get(f"{SCANS}/{token}"), 404, "not_found")

    assert body["message"].startswith("There is no scan")


# --- GET /api/v1/scans/{a}/compare/{b} -----------------------------------------------------------


def test_two_scans_of_one_target_are_compared(client, allow_loopback, target_server):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    first = scan_row(target_server.url + "/")
    run_scan(first.pk)
    target_server.responder = lambda request: (
        200,
        [("Content-Type", "text/html"), ("Access-Control-Allow-Origin", "*")],
        b"<!doctype html><p>worse",
    )
    second = scan_row(target_server.url + "/")
    run_scan(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()

    response = client.get(f"{SCANS}/{first.token}/compare/{second.token}")

    assert response.status_code == 200, response.content.decode()
    body = response.json()
    from checker.compare import compare

    expected = compare(first.engine_report, second.engine_report).to_dict()
    for key, value in expected.items():
        assert body[key] == json.loads(json.dumps(value)), key
    assert body["before_scan"]["token"] == first.token
    assert body["after_scan"]["token"] == second.token
    assert body["permalink"] == f"{SITE_URL}/r/{first.token}/vs/{second.token}/"
    assert body["before"]["grade"] == first.grade
    assert body["after"]["grade"] == second.grade
    assert body["changed"] is True
    assert {"kind": "new", "id": "cors.wildcard"}.items() <= next(
        change for change in body["changes"] if change["id"] == "cors.wildcard"
    ).items()


def test_scans_of_different_targets_are_not_compared(client):
    a = done_scan("https://example.com/", report={})
    b = done_scan("https://example.com/", frontend_origin="https://app.example", report={})

    body = assert_error(
        client.get(f"{SCANS}/{a.token}/compare/{b.token}"), 400, "different_targets"
    )

    assert "not of the same target" in body["message"]


def test_a_scan_without_a_report_is_not_compared(client):
    a = done_scan("https://example.com/", report={"status": "ok"})
    pending = scan_row("https://example.com/")
    failed = scan_row(
        "https://example.com/",
        status=Scan.Status.FAILED,
        error="We gave up.",
        finished=timezone.now(),
    )

    body = assert_error(client.get(f"{SCANS}/{a.token}/compare/{pending.token}"), 409, "no_report")
    assert (
        body["message"] == f"Scan {pending.token} is still pending: compare it once it has ended."
    )
    body = assert_error(client.get(f"{SCANS}/{failed.token}/compare/{a.token}"), 409, "no_report")
    assert body["message"].endswith("(failed): We gave up.")


def test_comparing_with_an_unknown_scan_is_a_404(client):
    a = done_scan("https://example.com/")

    assert_error(client.get(f"{SCANS}/{a.token}/compare/abcdefghijkl"), 404, "not_found")
    assert_error(client.get(f"{SCANS}/abcdefghijkl/compare/{a.token}"), 404, "not_found")


# --- GET /api/v1/targets/history -----------------------------------------------------------------


def test_the_history_lists_public_scans_of_the_url_newest_first(client, frozen_clock):
    older = done_scan("example.com/")
    frozen_clock.shift(timedelta(minutes=1))
    newer = done_scan("example.com/", grade="A")
    done_scan("example.com/", private=True)
    done_scan("example.com/other")

    response = client.get(HISTORY, {"url": "EXAMPLE.com"})

    assert response.status_code == 200
    body = response.json()
    assert body["url"] == "example.com/"  # read as the form reads it
    assert [scan["token"] for scan in body["scans"]] == [newer.token, older.token]
    assert body["count"] == 2
    assert body["next"] is None
    assert [target["token"] for target in body["targets"]] == [older.target.token]
    assert body["targets"][0]["history"] == f"{SITE_URL}/t/{older.target.token}/"


def test_the_history_lists_every_set_of_options_unless_asked_for_one(client):
    plain = done_scan("https://example.com/")
    with_origin = done_scan("https://example.com/", frontend_origin="https://app.example")
    as_api = done_scan("https://example.com/", profile="api")

    def tokens(**query):
        body = client.get(HISTORY, {"url": "https://example.com/", **query}).json()
        return {scan["token"] for scan in body["scans"]}, len(body["targets"])

    assert tokens() == ({plain.token, with_origin.token, as_api.token}, 3)
    assert tokens(frontend_origin="https://APP.example") == ({with_origin.token}, 1)
    assert tokens(frontend_origin="") == ({plain.token, as_api.token}, 2)
    assert tokens(frontend_origin="", profile="") == ({plain.token}, 1)
    assert tokens(profile="api") == ({as_api.token}, 1)


def test_the_history_is_paginated_with_a_link_to_the_next_page(client, frozen_clock):
    scans = []
    for _ in range(5):
        scans.append(done_scan("https://example.com/"))
        frozen_clock.shift(timedelta(seconds=1))
    newest_first = [scan.token for scan in reversed(scans)]

    first = client.get(HISTORY, {"url": "https://example.com/", "limit": 2}).json()
    assert [scan["token"] for scan in first["scans"]] == newest_first[:2]
    assert first["count"] == 5
    second = client.get(first["next"].removeprefix(SITE_URL)).json()
    assert [scan["token"] for scan in second["scans"]] == newest_first[2:4]
    last = client.get(second["next"].removeprefix(SITE_URL)).json()
    assert [scan["token"] for scan in last["scans"]] == newest_first[4:]
    assert last["next"] is None


def test_a_url_with_only_private_scans_or_none_has_an_empty_history(client):
    done_scan("https://example.com/", private=True)

    body = client.get(HISTORY, {"url": "https://example.com/"}).json()

    assert (body["scans"], body["targets"], body["count"]) == ([], [], 0)


def test_the_history_refuses_a_bad_url_or_origin_in_the_engines_words(client):
    body = assert_error(client.get(HISTORY, {"url": "javascript:alert(1)"}), 400, "bad_target")
    assert body["message"] == "Only http and https addresses can be checked, not “javascript:”."
    assert body["field"] == "url"
    body = assert_error(
        client.get(HISTORY, {"url": "example.com", "frontend_origin": "nope"}), 400, "bad_origin"
    )
    assert body["field"] == "frontend_origin"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"url": "example.com", "limit": 0},
        {"url": "example.com", "limit": 101},
        {"url": "example.com", "offset": -1},
        {"url": "example.com", "limit": "ten"},
        {"url": "example.com", "profile": "x"},
    ],
)
def test_history_parameters_off_the_schema_are_invalid_request(client, query):
    assert_error(client.get(HISTORY, query), 422, "invalid_request")


# --- Paths, methods and errors outside the operations --------------------------------------------


@pytest.mark.parametrize("path", [SCANS, HISTORY, "/api/v1/openapi.json", "/api/v1/docs"])
def test_api_paths_have_no_trailing_slash_and_are_never_redirected(client, settings, path):
    assert settings.APPEND_SLASH  # CommonMiddleware is on and would add one to a page's path
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code not in (301, 302, 308), (method, path)
    assert_error(client.get(path + "/"), 404, "not_found")


def test_a_method_a_path_does_not_take_is_a_json_405_with_allow(client):
    scan = scan_row("https://example.com/")

    response = client.get(SCANS)
    assert_error(response, 405, "method_not_allowed", "This address does not take GET requests.")
    assert response["Allow"] == "POST"
    assert_error(client.delete(f"{SCANS}/{scan.token}"), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/openapi.json"), 405, "method_not_allowed")
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_an_unknown_api_path_is_a_json_404_not_the_sites_page(client):
    body = assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")

    assert "/api/v1/docs" in body["message"]


@pytest.mark.urls(__name__)
def test_a_crash_in_the_api_is_a_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/boom")

    assert_error(response, 500, "server_error")


# --- Headers: CORS, and what JSON answers carry --------------------------------------------------


def test_every_api_answer_allows_any_origin_without_credentials(client):
    scan = scan_row("https://example.com/")
    answers = [
        client.get("/api/v1/openapi.json", HTTP_ORIGIN="https://anywhere.example"),
        client.get("/api/v1/openapi.json"),  # with no Origin at all: the same answer
        client.get(f"{SCANS}/{scan.token}", HTTP_ORIGIN="null"),
        post_json(client, {"target": "nope"}, HTTP_ORIGIN="https://evil.example"),
        client.get(SCANS, HTTP_ORIGIN="https://evil.example"),
        client.get("/api/v1/docs", HTTP_ORIGIN="https://evil.example"),
    ]
    for response in answers:
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert "origin" not in response.get("Vary", "").lower()
        assert response["Access-Control-Expose-Headers"] == "Location, Retry-After"


def test_a_preflight_is_answered_204_with_methods_headers_and_max_age(client):
    response = client.options(
        SCANS,
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")} >= {
        "GET",
        "POST",
    }
    assert "content-type" in response["Access-Control-Allow-Headers"].lower()
    assert response["Access-Control-Max-Age"] == "7200"
    assert "Access-Control-Allow-Credentials" not in response


def test_the_rest_of_the_site_has_no_cors_headers(client):
    pages = [
        client.get("/", HTTP_ORIGIN="https://evil.example"),
        client.get("/glossary/", HTTP_ORIGIN="https://evil.example"),
        client.options(
            "/", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        ),
    ]
    for response in pages:
        assert not [name for name in response.headers if name.lower().startswith("access-control")]
    assert pages[2].status_code != 204


def test_json_answers_carry_a_policy_for_data_nosniff_and_cache_control(client):
    scan = scan_row("https://example.com/")
    for response in (
        client.get("/api/v1/openapi.json"),
        client.get(f"{SCANS}/{scan.token}"),
        client.get(f"{SCANS}/abcdefghijkl"),
    ):
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"]
        assert response["Referrer-Policy"]


# --- The OpenAPI document and the documents page -------------------------------------------------


def test_the_openapi_document_is_3_1_and_names_the_paths_exactly(client):
    document = client.get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.1.")
    assert set(document["paths"]) == {
        "/api/v1/scans",
        "/api/v1/scans/{token}",
        "/api/v1/scans/{a}/compare/{b}",
        "/api/v1/targets/history",
    }
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "message"]


def test_every_error_code_of_an_operation_is_documented_in_its_description(client):
    document = client.get("/api/v1/openapi.json").json()
    described = " ".join(
        operation.get("description", "")
        for methods in document["paths"].values()
        for operation in methods.values()
    )

    for code in CODES:
        if code not in ("not_found", "method_not_allowed", "server_error", "bad_request"):
            assert f"`{code}`" in described, code


def test_the_documents_page_loads_our_own_swagger_ui_with_the_csp_nonce(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "script-src 'self' 'nonce-" in policy
    # Swagger UI, its start-up script and ours that names its controls for screen readers.
    assert html.count(f'nonce="{nonce}"') == 3
    assert f'<script src="/static/webui/api-docs.js" nonce="{nonce}"></script>' in html
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in html
    assert 'href="/static/ninja/swagger-ui.css"' in html
    assert '"validatorUrl": null' in html
    assert "//cdn" not in html and "https://" not in html.split("<body>")[1]


def test_the_site_footer_links_to_the_api_documents(client):
    html = client.get("/").content.decode()

    assert 'href="/api/v1/docs"' in html
    assert 'href="/api/v1/openapi.json"' in html
