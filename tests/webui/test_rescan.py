""" "Check again" on a report: which reports offer it, the cooldown, what the POST starts, the
limits it shares with the home form, the "checked N minutes ago" line and the comparison link.

Scans are run by the real engine against local servers (run_scan in this process); the test
with a real worker on Redis and PostgreSQL is at the end.
"""

import html
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.webui.conftest import GOOD_HEADERS, submit, wait_until_ended
from tests.webui.test_report import queue
from webui.models import Scan, Site
from webui.rescans import checked_at
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

ALICE = "203.0.113.7"
BUTTON = re.compile(
    r'<button type="submit" class="button button--primary"( disabled)?[^>]*>([^<]*)</button>'
)


@pytest.fixture
def site(allow_loopback, target_server):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    return target_server


def checked(client, target: str, **fields) -> Scan:
    """A scan the home form queued and the engine ran."""
    scan = queue(client, target, **fields)
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert not scan.is_active
    return scan


def page(client, scan: Scan) -> str:
    """The report's "Check again" and subscription boxes, as its #watch slot fetches them."""
    return client.get(f"/r/{scan.token}/watch/").content.decode()


def button(text: str) -> tuple[bool, str] | None:
    """(disabled, label) of the "Check again" button, or None when the page has none."""
    found = BUTTON.search(text)
    return (bool(found.group(1)), found.group(2)) if found else None


def rescan(client, scan: Scan, address: str = "127.0.0.1"):
    return client.post(f"/r/{scan.token}/rescan/", REMOTE_ADDR=address)


def scan_of(response) -> Scan:
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def after(scan: Scan, seconds: float):
    """The clock, frozen this many seconds after the scan ended."""
    return time_machine.travel(checked_at(scan) + timedelta(seconds=seconds), tick=False)


def ended_row(url: str = "example.com/", **fields) -> Scan:
    """A scan row that ended without a report (our side failed), for the cases no engine run
    produces."""
    values = {
        "status": Scan.Status.FAILED,
        "error": "The scan did not finish in time. Please try again.",
        "finished": timezone.now(),
        **fields,
    }
    if "site" not in values:
        values["site"], _ = Site.objects.get_or_create(host="example.com")
    return Scan.objects.create(target_raw=url, target_url=url, **values)


# --- Which reports offer it ---------------------------------------------------------------------


def test_a_graded_report_offers_check_again(client, site, settings):
    settings.RESCAN_COOLDOWN = 0
    scan = checked(client, site.url + "/")
    assert scan.status == Scan.Status.DONE

    text = page(client, scan)

    assert button(text) == (False, "Check again")
    assert f'<form method="post" action="/r/{scan.token}/rescan/" class="rescan__form">' in text
    # No CSRF token: the report is the same for everyone; webui/same_origin.py guards the POST.
    assert 'name="csrfmiddlewaretoken"' not in text
    report = client.get(scan.get_absolute_url()).content.decode()
    assert f'<form method="post" action="/r/{scan.token}/rescan/" class="rescan__form">' in report


def test_an_unreachable_site_is_offered_another_try(client, allow_loopback, settings):
    settings.RESCAN_COOLDOWN = 0
    scan = checked(client, "http://127.0.0.1:9/")  # nothing listens on the discard port
    assert scan.status == Scan.Status.UNREACHABLE
    assert scan.report["status"] == "unreachable"

    assert button(page(client, scan)) == (False, "Check again")


def test_a_scan_that_failed_on_our_side_is_offered_another_try(client, settings):
    settings.RESCAN_COOLDOWN = 0
    scan = ended_row()

    assert button(page(client, scan)) == (False, "Check again")


def test_an_authenticated_scan_is_not_repeated_without_its_headers(client, settings):
    settings.RESCAN_COOLDOWN = 0
    scan = ended_row(
        status=Scan.Status.DONE, private=True, authenticated=True, request_header_names=["Cookie"]
    )

    text = page(client, scan)
    response = client.post(f"/r/{scan.token}/rescan/")

    assert button(text) is None
    assert "cannot be repeated from here" in text
    assert response.status_code == 303 and response["Location"] == scan.get_absolute_url()
    assert Scan.objects.count() == 1  # nothing was started without the headers


def redirecting_to(location: str):
    return lambda request: (302, [("Location", location)], b"")


def test_an_address_our_guard_refused_is_not_offered_again(
    client, allow_loopback, settings, target_server
):
    settings.RESCAN_COOLDOWN = 0
    # Loopback is allowed for the test server; the private address it sends us to is not.
    target_server.responder = redirecting_to("http://10.0.0.1/")
    scan = checked(client, target_server.url + "/")
    assert scan.report["status"] == "refused"

    text = page(client, scan)

    assert button(text) is None
    assert "/rescan/" not in text
    assert "Checked <time" in text  # the date line is on every ended report


def test_a_redirect_to_a_port_we_do_not_check_is_not_offered_again(
    client, allow_loopback, settings, target_server
):
    settings.RESCAN_COOLDOWN = 0
    target_server.responder = redirecting_to("http://127.0.0.1:2222/")
    settings.CHECKER_ALLOWED_PORTS = ((target_server.port, target_server.port),)
    scan = checked(client, target_server.url + "/")
    assert scan.report["status"] == "refused"

    assert button(page(client, scan)) is None


def test_a_forged_post_on_a_refused_address_says_why_and_starts_nothing(
    client, allow_loopback, settings, target_server
):
    settings.RESCAN_COOLDOWN = 0
    target_server.responder = redirecting_to("http://10.0.0.1/")
    scan = checked(client, target_server.url + "/")

    response = rescan(client, scan)

    assert scan_of(response) == scan
    assert Scan.objects.count() == 1
    text = client.get(response["Location"]).content.decode()
    assert "We do not check this address again: it was refused before anything was sent" in text


def test_a_scan_under_way_has_no_check_again_box(client):
    scan = queue(client, "example.com")

    text = page(client, scan)

    assert 'id="check-again"' not in text
    assert button(text) is None
    # A POST on it (nobody's button) just shows it.
    assert scan_of(rescan(client, scan)) == scan
    assert Scan.objects.count() == 1


# --- The cooldown -------------------------------------------------------------------------------


def test_within_the_cooldown_the_button_is_disabled_and_says_the_time_left(client, site):
    scan = checked(client, site.url + "/")

    with after(scan, 18):
        text = page(client, scan)

    assert button(text) == (True, "Check again in 42 s")
    assert "We check one target at most once every minute" in text
    # It asks again in a second, and says nothing to screen readers until the wait is over.
    assert (
        f'<div id="check-again-control" class="rescan__control" aria-live="off" '
        f'hx-get="/r/{scan.token}/rescan/" hx-trigger="load delay:1s" hx-swap="outerHTML">'
    ) in text
    assert '<p id="check-again-status" class="visually-hidden" role="status"></p>' in text


def test_once_the_cooldown_is_over_the_button_is_active_and_stops_asking(client, site):
    scan = checked(client, site.url + "/")

    with after(scan, 60):
        text = page(client, scan)

    assert button(text) == (False, "Check again")
    assert "hx-trigger" not in text


def test_the_polled_partial_counts_down_then_wakes_the_button_and_says_so(client, site):
    scan = checked(client, site.url + "/")
    url = f"/r/{scan.token}/rescan/"

    with after(scan, 59.5):
        waiting = client.get(url, headers={"HX-Request": "true"}).content.decode()
    with after(scan, 60.2):
        ready = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert waiting.lstrip().startswith('<div id="check-again-control"')
    assert "<html" not in waiting
    assert button(waiting) == (True, "Check again in 1 s")
    assert "hx-swap-oob" not in waiting
    assert button(ready) == (False, "Check again")
    assert "hx-get" not in ready
    assert (
        '<span id="check-again-status" hx-swap-oob="innerHTML">You can check this target again '
        "now.</span>"
    ) in ready


def test_a_plain_get_of_the_rescan_address_goes_to_the_report(client, site):
    scan = checked(client, site.url + "/")

    response = client.get(f"/r/{scan.token}/rescan/")

    assert response.status_code == 302
    assert response["Location"] == scan.get_absolute_url()
    assert Scan.objects.count() == 1


def test_a_forged_post_within_the_cooldown_shows_the_newest_check_and_probes_nothing(client, site):
    scan = checked(client, site.url + "/")
    requests_before = len(site.requests)

    with after(scan, 20):
        response = rescan(client, scan)
        text = client.get(response["Location"]).content.decode()

    assert scan_of(response) == scan
    assert Scan.objects.count() == 1
    assert len(site.requests) == requests_before
    assert (
        html.unescape(text).count(
            "This target was checked less than a minute ago, and we check one target at most once "
            "every minute so that the site is never flooded through us: here is that check. You "
            "can check again in 40 s."
        )
        == 1
    )


def test_the_cooldown_counts_from_the_newest_check_of_the_target(client, site, settings):
    settings.SCAN_REUSE_SECONDS = 0  # let the form start a second scan at once
    old = checked(client, site.url + "/")
    with after(old, 120):
        newer = checked(client, site.url + "/")
    assert newer != old

    with after(newer, 10):
        text = page(client, old)
        response = rescan(client, old)

    assert button(text) == (True, "Check again in 50 s")
    assert f'a newer check of this target ended <a href="/r/{newer.token}/">' in text
    assert scan_of(response) == newer  # the newest check, not the one the POST came from
    assert Scan.objects.count() == 2


def test_a_cooldown_of_zero_never_waits(client, site, settings):
    settings.RESCAN_COOLDOWN = 0
    scan = checked(client, site.url + "/")

    assert button(page(client, scan)) == (False, "Check again")


def test_the_cooldown_is_read_from_the_environment_and_defaults_to_a_minute():
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.RESCAN_COOLDOWN)"
    env = {k: v for k, v in os.environ.items() if k != "RESCAN_COOLDOWN"}
    env["DJANGO_SETTINGS_MODULE"] = "webui.settings"

    def cooldown(**extra) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", code]
        return subprocess.run(command, env={**env, **extra}, capture_output=True, text=True)

    assert cooldown().stdout.strip() == "60"
    assert cooldown(RESCAN_COOLDOWN="300").stdout.strip() == "300"
    refused = cooldown(RESCAN_COOLDOWN="soon")
    assert refused.returncode != 0
    assert "RESCAN_COOLDOWN must be a whole number; got 'soon'" in refused.stderr


# --- What the POST starts ---------------------------------------------------------------------


def test_check_again_starts_a_new_scan_of_the_same_target_and_options(
    client, site, django_capture_on_commit_callbacks
):
    scan = checked(
        client, site.url + "/app?x=1", frontend_origin="https://app.example", profile="api"
    )

    with after(scan, 61), django_capture_on_commit_callbacks() as callbacks:
        response = rescan(client, scan)

    new = scan_of(response)
    assert new != scan
    assert new.target == scan.target
    assert (new.target_url, new.frontend_origin, new.profile, new.private) == (
        f"{site.url}/app?x=1",
        "https://app.example",
        "api",
        False,
    )
    assert new.status == Scan.Status.PENDING
    assert len(callbacks) == 1  # handed to the queue once committed
    run_scan(new.pk)
    new.refresh_from_db()
    assert new.status == Scan.Status.DONE, new.error
    assert new.report["frontend_origin"] == "https://app.example"
    assert new.report["profile"] == "api"
    assert sum(r.path == "/app?x=1" and "origin" not in r.headers for r in site.requests) == 2


def test_check_again_leads_to_the_check_already_under_way(client, site, settings):
    settings.SCAN_REUSE_SECONDS = 0
    scan = checked(client, site.url + "/")
    with after(scan, 61):
        running = queue(client, site.url + "/")
        text = page(client, scan)
        response = rescan(client, scan)

    assert button(text) == (False, "Check again")
    assert "A check of this target is under way: the button takes you to it." in text
    assert scan_of(response) == running
    assert Scan.objects.count() == 2
    followed = client.get(response["Location"]).content.decode()
    assert "A check of this target was already under way, so you are following that one." in (
        followed
    )


def test_a_private_scan_is_checked_again_privately_and_its_line_stays_its_own(client, site):
    first = checked(client, site.url + "/", private="on")
    assert first.private

    with after(first, 61):
        second = scan_of(rescan(client, first))
    run_scan(second.pk)
    second.refresh_from_db()
    with after(second, 61):
        text = page(client, second)
        third = scan_of(rescan(client, second))

    assert "A new scan of this URL with the same options, private like this one." in text
    assert second.private and third.private
    assert second.series == third.series == first.token
    assert second.target == first.target


def test_a_private_report_never_leads_to_someone_elses_private_scan(client, site):
    mine = checked(client, site.url + "/", private="on")
    with after(mine, 61):
        theirs = checked(client, site.url + "/", private="on")
        public = checked(client, site.url + "/")

    with after(theirs, 10):
        text = page(client, mine)
        response = rescan(client, mine)

    # Neither their private check nor the public one makes mine wait, leads anywhere or is
    # compared with: a private report knows only its own line.
    assert theirs.token not in text and public.token not in text
    assert button(text) == (False, "Check again")
    new = scan_of(response)
    assert new not in (theirs, public)
    assert new.private and new.series == mine.token
    run_scan(new.pk)
    new_page = page(client, Scan.objects.get(pk=new.pk))
    assert f'href="/r/{mine.token}/vs/{new.token}/"' in new_page
    assert theirs.token not in new_page


def test_a_public_report_never_counts_or_links_a_private_scan(client, site):
    public = checked(client, site.url + "/")
    with after(public, 61):
        private = checked(client, site.url + "/", private="on")

    with after(private, 5):
        text = page(client, public)
        new = scan_of(rescan(client, public))

    assert private.token not in text
    assert button(text) == (False, "Check again")
    assert not new.private
    run_scan(new.pk)
    assert private.token not in page(client, Scan.objects.get(pk=new.pk))


# --- The limits of the home form ----------------------------------------------------------------


def test_the_scan_rate_of_the_home_form_counts_rescans_too(client, site, settings):
    settings.SCAN_RATE_LIMIT = "2/h"
    # No cooldown, so the clock stays put: django-ratelimit's windows start at an offset of
    # their own within the hour, and moving the clock could cross into a new one.
    settings.RESCAN_COOLDOWN = 0
    scan = checked(client, site.url + "/")
    client.post("/", {"target": "other.example"}, REMOTE_ADDR=ALICE)
    client.post("/", {"target": "third.example"}, REMOTE_ADDR=ALICE)

    refused = rescan(client, scan, address=ALICE)
    allowed = rescan(client, scan, address="198.51.100.20")  # another network

    text = refused.content.decode()
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert (
        '<p class="rescan__refusal" role="alert">Too many scans from your network: the limit is '
        "2 scans per hour. Nothing was queued; please try again in an hour.</p>"
    ) in text
    assert f'<a href="/r/{scan.token}/">Back to the report</a>' in text
    assert scan_of(allowed).target == scan.target
    assert Scan.objects.filter(target=scan.target).count() == 2


def test_a_host_with_too_many_scans_under_way_is_not_checked_again(client, site, settings):
    settings.SCAN_MAX_ACTIVE_PER_HOST = 1
    settings.SCAN_MAX_ACTIVE_PER_CLIENT = 10
    scan = checked(client, site.url + "/")
    with after(scan, 61):
        queue(client, site.url + "/other")  # another target of the same host, under way
        response = rescan(client, scan)

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.SCAN_SOFT_TIME_LIMIT)
    assert "127.0.0.1 already has 1 scan under way, the most we run against one site at once." in (
        response.content.decode()
    )
    assert Scan.objects.filter(target=scan.target).count() == 1


# --- "Checked N minutes ago" --------------------------------------------------------------------


def test_a_reused_report_says_when_it_was_checked_next_to_the_button(client, site, settings):
    settings.SCAN_REUSE_SECONDS = 600
    scan = checked(client, site.url + "/")

    with after(scan, 3 * 60 + 5):
        response = client.post("/", {"target": site.url + "/"})
        assert response["Location"] == scan.get_absolute_url()
        text = page(client, scan)

    assert scan_of(response) == scan  # the form showed the recent check instead of a new one
    when = scan.finished.isoformat()
    assert re.search(
        rf'<p class="rescan__checked">Checked <time datetime="{re.escape(when)}" '
        r'title="[^"]+ UTC">3\xa0minutes ago</time></p>',
        text,
    )
    assert button(text) == (False, "Check again")


def test_a_fresh_report_was_checked_less_than_a_minute_ago(client, site):
    scan = checked(client, site.url + "/")

    with after(scan, 5):
        assert ">less than a minute ago</time>" in page(client, scan)


# --- The comparison with the check before ---------------------------------------------------------


def test_a_rescan_links_to_the_comparison_with_the_check_before(client, site):
    first = checked(client, site.url + "/")
    assert "/vs/" not in page(client, first)  # nothing to compare the first check with

    with after(first, 61):
        second = scan_of(rescan(client, first))
    run_scan(second.pk)
    second.refresh_from_db()

    text = page(client, second)
    when = first.finished
    assert (
        f'<p class="rescan__compare"><a href="/r/{first.token}/vs/{second.token}/">Compared with '
        f'the check of <time datetime="{when.isoformat()}">{when:%-d %b %H:%M}</time>: what '
        "changed</a></p>"
    ) in text


def test_the_comparison_skips_checks_without_a_report(client, site, settings):
    settings.SCAN_REUSE_SECONDS = 0
    first = checked(client, site.url + "/")
    lost = ended_row(first.target_url, target=first.target, site=first.site, report=None)
    with after(lost, 61):
        second = checked(client, site.url + "/")

    assert lost.created > first.created
    assert f'href="/r/{first.token}/vs/{second.token}/"' in page(client, second)
    assert "/vs/" not in page(client, lost)  # it has no report to compare


# --- With a real worker -------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_rescan_and_the_report_links_both_checks(
    client, settings, allow_loopback, worker_services, celery_worker, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    settings.RESCAN_COOLDOWN = 0
    celery_worker()
    first = wait_until_ended(submit(client, target_server.url + "/"))
    assert first.status == Scan.Status.DONE, first.error

    second = wait_until_ended(scan_of(rescan(client, first)))

    assert second.status == Scan.Status.DONE, second.error
    assert second.target == first.target and second != first
    assert f'href="/r/{first.token}/vs/{second.token}/"' in page(client, second)
    main_gets = [r for r in target_server.requests if r.path == "/" and "origin" not in r.headers]
    assert len(main_gets) == 2


def test_a_long_cooldown_is_counted_in_minutes():
    from webui.rescans import seconds_words

    assert [seconds_words(n) for n in (0, 59, 60, 61, 125, 600)] == [
        "0 s",
        "59 s",
        "1 min",
        "1 min 1 s",
        "2 min 5 s",
        "10 min",
    ]
