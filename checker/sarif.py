"""Reports as one SARIF 2.1.0 log, so that GitHub code scanning lists a site's findings.

A scan has no source file to point at, while code scanning needs every result in a file of the
repository (an ``https://`` location would not share the checkout's ``file:`` scheme, and the
upload would be refused). So every result points at one fixed file — by default the workflow
that ran the check — and names the scanned URL in its message, its properties and its
fingerprint. The rules are the findings catalogue; each links to its glossary entry.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from typing import Any

from checker.findings import ROWS, Row
from checker.glossary import get_entry
from checker.model import Finding, Report, Severity, Status

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "corscheck"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub sorts and labels security results by this score (0.1-10): 9.0 and over is critical,
# 7.0 high, 4.0 medium, below that low. Information rows get none: they are not a weakness.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.5",
}

MAX_MESSAGE = 1000


def glossary_url(site_url: str, slug: str) -> str:
    entry = get_entry(slug)
    return f"{site_url.rstrip('/')}/glossary/{entry.slug if entry else slug}/"


def default_file_path(environ: dict[str, str]) -> str:
    """The workflow file that is running us on GitHub Actions, else the one the README shows.

    ``GITHUB_WORKFLOW_REF`` reads ``owner/repo/.github/workflows/check.yml@refs/heads/main``.
    """
    ref = environ.get("GITHUB_WORKFLOW_REF", "")
    path = ref.split("@", 1)[0].split("/", 2)[-1] if ref.count("/") >= 2 else ""
    return path or ".github/workflows/corscheck.yml"


def _version() -> str:
    try:
        return metadata.version(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _rule(row: Row, site_url: str) -> dict[str, Any]:
    url = glossary_url(site_url, row.glossary)
    entry = get_entry(row.glossary)
    explained = f" {entry.summary}" if entry else ""
    properties: dict[str, Any] = {"tags": ["security", row.area], "precision": "high"}
    if row.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[row.severity]
    return {
        "id": row.id,
        "name": row.id,
        "shortDescription": {"text": row.title},
        "fullDescription": {"text": row.meaning},
        "helpUri": url,
        "help": {
            "text": f"{row.meaning}{explained} How to fix it: {url}",
            "markdown": f"{row.meaning}{explained}\n\n[How to fix it]({url})",
        },
        "defaultConfiguration": {"level": LEVELS.get(row.severity, "none")},
        "properties": properties,
    }


def _message(finding: Finding, report: Report) -> str:
    facts = "; ".join(f"{name}: {value}" for name, value in finding.facts)
    text = f"{finding.title} — {report.target.url}" + (f" ({facts})" if facts else "")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _fingerprint(finding_id: str, url: str, occurrence: int) -> str:
    """Stable across runs for the same finding on the same URL, so an alert is not reopened."""
    digest = hashlib.sha256(f"{finding_id}\n{url}\n{occurrence}".encode()).hexdigest()
    return f"{digest[:16]}:1"


def _results(report: Report, rule_index: dict[str, int], file_path: str) -> list[dict]:
    results = []
    seen: dict[str, int] = {}
    for finding in report.findings:
        if finding.severity is Severity.PASS:
            continue
        occurrence = seen[finding.id] = seen.get(finding.id, 0) + 1
        result: dict[str, Any] = {
            "ruleId": finding.id,
            "level": LEVELS.get(finding.severity, "note"),
            "message": {"text": _message(finding, report)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": file_path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1},
                    },
                    "message": {"text": f"Scanned: {report.target.url}"},
                }
            ],
            "partialFingerprints": {
                "primaryLocationLineHash": _fingerprint(finding.id, report.target.url, occurrence)
            },
            "properties": {
                "target": report.target.url,
                "grade": report.grade,
                "score": report.score,
                "severity": finding.severity.value,
            },
        }
        if finding.id in rule_index:
            result["ruleIndex"] = rule_index[finding.id]
        results.append(result)
    return results


def sarif_log(reports: list[Report], site_url: str, file_path: str) -> dict[str, Any]:
    """One run for all the reports: the catalogue as rules, a result per finding that is not a
    pass. A target that could not be judged is a notification of the invocation, not a result."""
    rows = [row for row in ROWS if row.severity is not Severity.PASS]
    rule_index = {row.id: index for index, row in enumerate(rows)}
    results = [result for report in reports for result in _results(report, rule_index, file_path)]
    not_judged = [report for report in reports if report.status is not Status.OK]
    invocation: dict[str, Any] = {"executionSuccessful": not not_judged}
    if not_judged:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {
                    "text": f"{report.target.raw}: not judged ({report.status.value}) — "
                    f"{report.message}"
                },
            }
            for report in not_judged
        ]
    version = _version()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": version,
                        "semanticVersion": version,
                        "informationUri": f"{site_url.rstrip('/')}/scoring/",
                        "rules": [_rule(row, site_url) for row in rows],
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
