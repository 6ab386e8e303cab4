"""Authenticated scans from the form: extra request headers checked line by line, sent by the
worker, kept nowhere but sealed inside the one task that runs the scan."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.webui.conftest import GOOD_HEADERS
from webui import queueing, sealing
from webui.models import HEADERS_NOT_KEPT_MESSAGE, Scan, Site
from webui.tasks import dispatch_pending, reap_stale_scans, run_scan

pytestmark = pytest.mark.django_db

SECRET = "Bearer s3cr3t-token-7f1c9a"
COOKIE = "session=c00kie-value-42ab"


def post(client, target: str, headers: str, **fields):
    return client.post("/", {"target": target, "request_headers": headers, **fields})


def scan_of(response) -> Scan:
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def sealed_of(callbacks) -> str:
    """The sealed headers the commit would have published (queueing.enqueue's argument)."""
    (enqueue,) = callbacks
    assert enqueue.func is queueing.enqueue
    scan, sealed = enqueue.args
    return sealed


def test_more_options_offers_a_textarea_for_extra_headers_explained_in_one_sentence(client):
    html = client.get("/").content.decode()

    options = html[html.index('<details class="more-options"') : html.index("</details>")]
    assert '<label for="id_request_headers">Extra request headers (optional)</label>' in options
    assert '<textarea name="request_headers"' in options
    assert 'spellcheck="false"' in options
    assert "never on preflights, and never stored" in options


def test_every_bad_line_gets_its_own_sentence_and_no_value_is_sent_back(client):
    # As a browser posts a textarea: lines end with CRLF.
    typed = f"Authorization: {SECRET}\r\nno colon here\r\n\r\nHost: evil.test\r\nBad Name: x"

    response = post(client, "example.com", typed)

    assert response.status_code == 200
    html = response.content.decode()
    errors = html[html.index('id="id_request_headers_error"') :]
    errors = errors[: errors.index("</ul>")]
    assert "<li>Line 2: A header has no colon" in errors
    assert "<li>Line 4: The Host header cannot be given" in errors
    assert "<li>Line 5: “Bad Name” is not a header name" in errors
    assert errors.count("<li>") == 3  # the blank line is no line at all
    assert SECRET not in html
    assert "s3cr3t" not in html
    assert "paste them again" in html
    assert Scan.objects.count() == 0


def test_a_line_the_http_client_could_not_send_is_refused():
    from webui.forms import ScanForm

    form = ScanForm({"target": "example.com", "request_headers": "X-Token: caf\u00e9"})

    assert not form.is_valid()
    (message,) = form.errors["request_headers"]
    assert message.startswith("Line 1: The value of X-Token has a character other than")
    assert "caf" not in message


def test_a_header_given_twice_and_too_many_lines_are_refused():
    from webui.forms import ScanForm

    twice = ScanForm({"target": "example.com", "request_headers": "Cookie: a=1\ncookie: b=2"})
    many = ScanForm(
        {"target": "example.com", "request_headers": "\n".join(f"X-{n}: v" for n in range(21))}
    )

    assert not twice.is_valid() and "given twice" in twice.errors["request_headers"][0]
    assert not many.is_valid()
    assert many.errors["request_headers"] == [
        "That is 21 lines; at most 20 headers are sent, one per line."
    ]


def test_a_valid_form_keeps_the_other_fields_when_the_target_is_wrong(client):
    response = post(client, "javascript:alert(1)", f"Authorization: {SECRET}")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_target_error"' in html
    assert SECRET not in html
    assert '<details class="more-options" open>' in html
    assert 'id="id_request_headers_cleared"' in html


def test_headers_make_a_private_authenticated_scan_that_keeps_only_their_names(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        scan = scan_of(post(client, "example.com", f"Authorization: {SECRET}\nCookie: {COOKIE}"))

    assert (scan.private, scan.authenticated) == (True, True)
    assert scan.request_header_names == ["Authorization", "Cookie"]
    sealed = sealed_of(callbacks)
    assert SECRET not in sealed and "s3cr3t" not in sealed
    assert sealing.unseal(sealed, scan.token) == (("Authorization", SECRET), ("Cookie", COOKIE))
    html = client.get(scan.get_absolute_url()).content.decode()
    assert "Authenticated scan: sent Authorization, Cookie (values not kept)." in html
    assert "This scan is private" in html


def test_an_authenticated_scan_joins_nothing_and_nothing_joins_it(client, settings):
    settings.SCAN_MAX_ACTIVE_PER_CLIENT = 10
    settings.SCAN_MAX_ACTIVE_PER_HOST = 10
    public = scan_of(post(client, "example.com", ""))
    site = Site.objects.get(host="example.com")
    graded = Scan.objects.create(
        site=site,
        target_raw="example.com",
        target_url="example.com/x",
        status=Scan.Status.DONE,
        grade="A",
        score=95,
        finished=timezone.now(),
    )

    first = scan_of(post(client, "example.com", f"Authorization: {SECRET}"))
    second = scan_of(post(client, "example.com", f"Authorization: {SECRET}"))
    again = scan_of(post(client, "example.com/x", f"Authorization: {SECRET}"))
    later_public = scan_of(post(client, "example.com", ""))

    assert len({public.pk, first.pk, second.pk}) == 3
    assert again.pk != graded.pk
    assert later_public.pk == public.pk  # the public one under way, never an authenticated one


def test_the_database_refuses_an_authenticated_scan_that_is_not_private():
    site = Site.objects.create(host="example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Scan.objects.create(
            site=site, target_raw="x", target_url="example.com/", authenticated=True
        )


def test_the_worker_sends_the_headers_it_was_given_and_the_report_names_them(
    client, allow_loopback, target_server, django_capture_on_commit_callbacks
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    with django_capture_on_commit_callbacks() as callbacks:
        scan = scan_of(post(client, target_server.url + "/", f"Authorization: {SECRET}"))

    run_scan(scan.pk, sealed_of(callbacks))

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    gets = [r for r in target_server.requests if r.method == "GET"]
    preflights = [r for r in target_server.requests if r.method == "OPTIONS"]
    assert gets and preflights
    assert gets[0].header("Authorization") == SECRET  # the main request
    assert any(r.header("Origin") and r.header("Authorization") == SECRET for r in gets)
    assert all(r.header("Authorization") is None for r in preflights)
    assert scan.engine_report.request_headers == ("Authorization",)
    assert SECRET not in str(scan.report)
    assert SECRET not in client.get(scan.get_absolute_url()).content.decode()


def authenticated_scan(**fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    values = {"target_raw": "example.com", "target_url": "example.com/", **fields}
    return Scan.objects.create(
        site=site,
        private=True,
        authenticated=True,
        request_header_names=["Authorization"],
        **values,
    )


@pytest.mark.parametrize("secret", [None, "", "not-a-fernet-token", "gAAAAAB-garbage"])
def test_a_delivery_without_its_sealed_headers_ends_the_scan_and_sends_nothing(
    secret, allow_loopback, target_server
):
    scan = authenticated_scan(target_url=target_server.url + "/")

    run_scan(scan.pk, secret)

    scan.refresh_from_db()
    assert (scan.status, scan.error) == (Scan.Status.FAILED, HEADERS_NOT_KEPT_MESSAGE)
    assert target_server.requests == []


def test_headers_sealed_for_one_scan_do_not_open_for_another(allow_loopback, target_server):
    one = authenticated_scan(target_url=target_server.url + "/one")
    other = authenticated_scan(target_url=target_server.url + "/other")

    run_scan(other.pk, sealing.seal((("Authorization", SECRET),), one.token))

    other.refresh_from_db()
    assert other.error == HEADERS_NOT_KEPT_MESSAGE
    assert target_server.requests == []


def test_sealed_headers_expire_once_the_scan_would_have_been_reaped(settings):
    sealed = sealing.seal((("Authorization", SECRET),), "abcdefghijkl")

    assert sealing.unseal(sealed, "abcdefghijkl") == (("Authorization", SECRET),)
    later = timezone.now() + timedelta(seconds=settings.SCAN_STALE_AFTER + 61)
    with time_machine.travel(later):
        assert sealing.unseal(sealed, "abcdefghijkl") is None


def test_a_rotated_secret_key_still_opens_what_the_old_one_sealed(settings):
    sealed = sealing.seal((("Cookie", COOKIE),), "abcdefghijkl")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-for-this-test-only-0123456789abcdef"

    assert sealing.unseal(sealed, "abcdefghijkl") == (("Cookie", COOKIE),)
    settings.SECRET_KEY_FALLBACKS = []
    assert sealing.unseal(sealed, "abcdefghijkl") is None


def test_the_dispatcher_ends_a_never_published_authenticated_scan_instead_of_running_it(
    settings,
):
    old = timezone.now() - timedelta(seconds=settings.SCAN_DISPATCH_AFTER + 1)
    scan = authenticated_scan(created=old)

    assert dispatch_pending() == 0

    scan.refresh_from_db()
    assert (scan.status, scan.error) == (Scan.Status.FAILED, HEADERS_NOT_KEPT_MESSAGE)
    assert scan.queued is None


def test_the_reaper_ends_an_abandoned_authenticated_scan_instead_of_requeueing_it(settings):
    silent = timezone.now() - timedelta(seconds=3 * settings.SCAN_HEARTBEAT_SECONDS + 1)
    scan = authenticated_scan(
        status=Scan.Status.RUNNING, started=silent, heartbeat=silent, attempts=1, worker="h:1"
    )

    reap_stale_scans()

    scan.refresh_from_db()
    assert (scan.status, scan.error) == (Scan.Status.FAILED, HEADERS_NOT_KEPT_MESSAGE)
    assert scan.finished is not None


def test_a_redelivery_after_a_worker_crash_still_carries_the_headers(allow_loopback, target_server):
    # A killed pool child: the broker hands the same message out again, sealed headers and all.
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    scan = authenticated_scan(
        target_url=target_server.url + "/",
        status=Scan.Status.RUNNING,
        started=timezone.now(),
        heartbeat=timezone.now() - timedelta(minutes=5),
        attempts=1,
        worker="gone-host:1",
    )

    run_scan(scan.pk, sealing.seal((("Authorization", SECRET),), scan.token))

    scan.refresh_from_db()
    assert (scan.status, scan.attempts) == (Scan.Status.DONE, 2), scan.error
    assert target_server.requests[0].header("Authorization") == SECRET
