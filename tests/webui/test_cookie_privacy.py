"""The report page shows cookie names and attributes, never values; stored reports are rewritten."""

import importlib

import pytest
from django.apps import apps

from webui.models import Scan, Site
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db

SECRET = "SECRETVALUE-0123456789"


def test_the_report_page_shows_no_cookie_value(client, allow_loopback, target_server):
    target_server.responder = lambda request: (
        200,
        [("Content-Type", "text/html"), ("Set-Cookie", f"sid={SECRET}; Path=/; Secure")],
        b"<!doctype html><title>t</title>",
    )
    response = client.post("/", {"target": target_server.url})
    scan = Scan.objects.get(token=response["Location"].split("/")[2])

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    html = client.get(f"/r/{scan.token}/").content.decode()
    assert "sid=&lt;redacted: 22 bytes&gt;; Path=/; Secure" in html
    assert SECRET not in html
    assert SECRET not in str(scan.report)
    assert (
        SECRET
        not in client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"}).content.decode()
    )


def test_the_migration_redacts_reports_stored_before():
    line = f"sid={SECRET}; Path=/; HttpOnly"
    report = {
        "target": {"raw": "x", "scheme": "https", "host": "example.com", "port": 443, "path": "/"},
        "status": "ok",
        "exchanges": [
            {
                "probe": "main.0",
                "request": {"method": "GET", "url": "https://example.com/", "headers": []},
                "response": {"status": 200, "headers": [["Set-Cookie", line]]},
            }
        ],
        "findings": [
            {
                "id": "cookie.no-samesite",
                "severity": "low",
                "title": "1 cookie without SameSite",
                "glossary": "set-cookie",
                "facts": [["cookie", "sid"], ["set-cookie", line]],
            }
        ],
    }
    site = Site.objects.create(host="example.com")
    done, failed = Scan.Status.DONE, Scan.Status.FAILED
    stored = Scan.objects.create(
        site=site, target_url="https://example.com/", status=done, report=report
    )
    empty = Scan.objects.create(site=site, target_url="https://example.com/", status=failed)
    migration = importlib.import_module("webui.migrations.0003_redact_cookie_values")

    migration.redact_stored_reports(apps, None)

    stored.refresh_from_db()
    redacted = "sid=<redacted: 22 bytes>; Path=/; HttpOnly"
    assert SECRET not in str(stored.report)
    assert stored.report["exchanges"][0]["response"]["headers"] == [["Set-Cookie", redacted]]
    assert stored.report["findings"][0]["facts"] == [["cookie", "sid"], ["set-cookie", redacted]]
    empty.refresh_from_db()
    assert empty.report is None
    migration.redact_stored_reports(apps, None)  # a second run changes nothing
    assert Scan.objects.get(pk=stored.pk).report == stored.report
