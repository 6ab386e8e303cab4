"""Scans, targets and reports as the API answers them: plain dicts the schemas validate."""

from __future__ import annotations

from django.urls import reverse

from checker.explain_finding import report_document
from checker.findings import CATALOGUE
from webui.mail import absolute
from webui.models import Scan, Target


def scan_url(scan: Scan) -> str:
    return absolute(reverse("api:scan", args=[scan.token]))


def scan_summary(scan: Scan) -> dict:
    return {
        "token": scan.token,
        "url": scan_url(scan),
        "permalink": absolute(scan.get_absolute_url()),
        "status": scan.status,
        "target": scan.target_url,
        "frontend_origin": scan.frontend_origin,
        "profile": scan.profile,
        "private": scan.private,
        "created": scan.created,
        "finished": scan.finished,
        "grade": scan.grade or None,
        "score": scan.score,
        "message": scan.error,
        "api": scan.api or {},
    }


def scan_detail(scan: Scan) -> dict:
    history = None if scan.private else absolute(scan.target.get_absolute_url())
    # As `python -m checker --json` prints it, each finding with its glossary page besides.
    report = (
        with_glossaries(report_document(scan.engine_report, scan.report)) if scan.report else None
    )
    return {**scan_summary(scan), "started": scan.started, "history": history, "report": report}


def target_summary(target: Target) -> dict:
    return {
        "token": target.token,
        "url": target.url,
        "frontend_origin": target.frontend_origin,
        "profile": target.profile,
        "history": absolute(target.get_absolute_url()),
    }


def with_glossaries(report: dict) -> dict:
    """The report as programs get it (checker.explain_finding.report_document), each finding with
    its glossary page."""
    return {
        **report,
        "findings": [with_glossary(item) for item in report["findings"]],
        "not_applicable": [with_glossary(item) for item in report["not_applicable"]],
    }


def with_glossary(finding: dict) -> dict:
    """A described finding with the address of its glossary page, when it has a row (a report
    from an older engine may name an id the catalogue no longer has)."""
    row = CATALOGUE.get(finding.get("id", ""))
    if row is None:
        return finding
    glossary = finding.get("glossary") or row.glossary
    return {
        **finding,
        "title": finding.get("title") or row.title,
        "glossary_url": absolute(reverse("glossary-entry", args=[glossary])),
    }
