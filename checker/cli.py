"""Text and JSON renderings of a report, shared by ``python -m checker`` and ``manage.py scan``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from checker.classify import PROFILE_NAMES, error_warning
from checker.findings import PROFILES
from checker.model import Options, Report, Severity, Status
from checker.netguard import DEFAULT_PORTS, parse_ports

_MARK = {
    Severity.CRITICAL: "!!",
    Severity.HIGH: "! ",
    Severity.MEDIUM: "~ ",
    Severity.LOW: "- ",
    Severity.INFO: "i ",
    Severity.PASS: "ok",
}


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def render_text(report: Report) -> str:
    target = report.target
    lines = [f"Target: {target.url if target.scheme else target.raw}"]
    if report.status is not Status.OK:
        lines.append(f"Status: {report.status.value} — {report.message}")
        lines.extend(_redirect_lines(report))
        return "\n".join(lines) + "\n"
    lines.append(f"Grade:  {report.grade}  (score {report.score}/100)")
    if report.grade_cap:
        lines.append(f"        capped at {report.grade_cap} by a critical finding")
    if report.profile_reason:
        lines.append(f"Graded as: {report.profile} — {report.profile_reason}")
    warning = error_warning(report)
    if warning:
        lines.append(f"Warning: {warning}")
    lines.extend(_redirect_lines(report))
    lines.append(f"Final URL: {report.final_url}")
    lines.append(f"Requests sent: {report.requests_sent}, in {report.duration_ms:.0f} ms")
    if report.timed_out_probes:
        lines.append(f"Not judged, no answer in time: {', '.join(report.timed_out_probes)}")
    lines.append("")
    lines.append("Findings:")
    modifiers = {line.finding: line.modifier for line in report.score_lines}
    for finding in report.findings:
        modifier = modifiers.get(finding.id)
        score = f" ({modifier:+d})" if modifier else ""
        lines.append(f"  [{_MARK[finding.severity]}] {finding.id}{score}: {finding.title}")
    if report.not_applicable:
        lines.append("")
        lines.append(f"Not applicable to {PROFILE_NAMES.get(report.profile, report.profile)}:")
        lines.extend(f"  [--] {finding.id}: {finding.title}" for finding in report.not_applicable)
    return "\n".join(lines) + "\n"


def _redirect_lines(report: Report) -> list[str]:
    if len(report.chain) < 2:
        return []
    lines = ["Redirects:"]
    for probe in report.chain:
        exchange = report.exchange(probe)
        status = exchange.response.status if exchange.response else exchange.error
        lines.append(f"  {exchange.request.url}  → {status}")
    return lines


def options_from_environment(
    frontend_origin: str | None = None, profile: str | None = None
) -> Options:
    """The command line reads the same variables as the web site's settings; ValueError names
    the variable whose value is wrong."""
    networks = os.environ.get("CHECKER_ALLOW_NETWORKS", "")
    ports = os.environ.get("CHECKER_ALLOWED_PORTS", "")
    try:
        allowed_ports = parse_ports(ports) if ports.strip() else DEFAULT_PORTS
    except ValueError as error:
        raise ValueError(f"CHECKER_ALLOWED_PORTS: {error}") from None
    return Options(
        allow_networks=tuple(n.strip() for n in networks.split(",") if n.strip()),
        allowed_ports=allowed_ports,
        ca_bundle=os.environ.get("CHECKER_CA_BUNDLE") or None,
        frontend_origin=frontend_origin,
        profile=profile,
    )


def main(argv: list[str] | None = None) -> int:
    from checker.engine import scan

    parser = argparse.ArgumentParser(
        prog="python -m checker", description="Check a site's CORS and security headers."
    )
    parser.add_argument("target", help="a domain or URL, e.g. example.com")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument(
        "--frontend-origin", help="your frontend's origin, e.g. https://app.example"
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="grade as a page or as an API answer (default: by the kind of answer)",
    )
    args = parser.parse_args(argv)
    try:
        options = options_from_environment(args.frontend_origin, args.profile)
    except ValueError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")
    report = scan(args.target, options)
    sys.stdout.write(render_json(report) + "\n" if args.json else render_text(report))
    return 0 if report.status is Status.OK else 1
