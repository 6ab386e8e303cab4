"""``python -m checker``: one or many targets, scanned in one process, for people and for CI.

Text and JSON renderings of a report live here too; ``manage.py scan`` prints the same ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import IO, NoReturn

from checker import browser_outcomes
from checker.classify import PROFILE_NAMES, error_warning
from checker.endpoints import (
    MAX_DOCUMENT_BYTES,
    MAX_ENDPOINTS,
    EndpointsError,
    parse_openapi,
    parse_paths,
)
from checker.explain_finding import report_document
from checker.findings import PROFILES
from checker.model import Options, Report, Severity, Status
from checker.netguard import DEFAULT_PORTS, parse_ports
from checker.request_headers import RequestHeaderError, check_request_headers, parse_header_line
from checker.scoring import LETTERS

PROG = "python -m checker"

# Exit codes, worst last: with several targets the worst outcome of any of them wins.
PASSED = 0
BELOW_THRESHOLD = 1
NOT_JUDGED = 2
USAGE = 64  # EX_USAGE from sysexits.h: the command line itself is wrong

DEFAULT_SITE_URL = "http://localhost:8000"  # where `make run` serves the glossary
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 100

_MARK = {
    Severity.CRITICAL: "!!",
    Severity.HIGH: "! ",
    Severity.MEDIUM: "~ ",
    Severity.LOW: "- ",
    Severity.INFO: "i ",
    Severity.PASS: "ok",
}

EXIT_CODES_HELP = f"""\
exit codes (several targets: the worst outcome of any of them wins, 2 over 1 over 0):
  {PASSED}   every target was judged and none is below --fail-under
  {BELOW_THRESHOLD}   a target's grade is below --fail-under
  {NOT_JUDGED}   a target could not be judged: unreachable, refused by the address or
      port guard, not a usable target, redirects that loop or never end, an error
      of the checker itself; or a CHECKER_* setting is wrong
  {USAGE}  the command line is wrong (unknown option, bad grade or header, no target)

environment: CHECKER_ALLOW_NETWORKS, CHECKER_ALLOWED_PORTS, CHECKER_CA_BUNDLE,
CHECKER_MAX_ADDRESSES and CHECKER_MAX_ENDPOINTS, as for the web site (loopback and
private networks are refused unless CHECKER_ALLOW_NETWORKS opens them);
CORSCHECK_SITE_URL, the corscheck site whose glossary SARIF rules link to (default
{DEFAULT_SITE_URL}).
"""


# --- one report as text or JSON ---------------------------------------------------------------


def render_json(report: Report) -> str:
    """One line (JSON Lines): newlines inside values are escaped by the encoder."""
    return json.dumps(report_document(report), ensure_ascii=False)


def _addresses_text(report: Report) -> str:
    """``127.0.0.3 (the first), 127.0.0.4 (answers differently), 127.0.0.5 (not probed)``."""
    shown = []
    for index, result in enumerate(report.addresses):
        if index == 0:
            shown.append(f"{result.address} (the first)")
        elif result.error is not None:
            shown.append(f"{result.address} (no answer)")
        elif result.differences:
            shown.append(f"{result.address} (answers differently)")
        else:
            shown.append(f"{result.address} (the same answers)")
    shown += [f"{address} (not probed)" for address in report.addresses_not_probed]
    return ", ".join(shown)


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
    if len(report.addresses) > 1 or report.addresses_not_probed:
        lines.append(f"Addresses: {_addresses_text(report)}")
    if report.request_headers:
        names = ", ".join(report.request_headers)
        lines.append(f"Sent with: {names} (values not shown)")
    if report.request_headers_note:
        lines.append(f"Note: {report.request_headers_note}")
    if report.timed_out_probes:
        lines.append(f"Not judged, no answer in time: {', '.join(report.timed_out_probes)}")
    lines.append("")
    lines.append("Findings:")
    modifiers = {line.finding: line.modifier for line in report.score_lines}
    for finding in report.findings:
        modifier = modifiers.get(finding.id)
        score = f" ({modifier:+d})" if modifier else ""
        lines.append(f"  [{_MARK[finding.severity]}] {finding.id}{score}: {finding.title}")
    lines.extend(_endpoint_lines(report))
    lines.extend(browser_outcomes.text_lines(report))
    if report.not_applicable:
        lines.append("")
        lines.append(f"Not applicable to {PROFILE_NAMES.get(report.profile, report.profile)}:")
        lines.extend(f"  [--] {finding.id}: {finding.title}" for finding in report.not_applicable)
    return "\n".join(lines) + "\n"


def _endpoint_lines(report: Report) -> list[str]:
    """Whole-API scans: each endpoint probed and the findings seen on it."""
    if not report.endpoints and not report.endpoints_note:
        return []
    lines = ["", f"Endpoints ({len(report.endpoints)}):"]
    if report.endpoints_note:
        lines.append(f"  Note: {report.endpoints_note}")
    for endpoint in report.endpoints:
        seen = ", ".join(endpoint.findings) or "no CORS answer to judge"
        lines.append(f"  {','.join(endpoint.methods)} {endpoint.path}: {seen}")
    return lines


def _redirect_lines(report: Report) -> list[str]:
    if len(report.chain) < 2:
        return []
    lines = ["Redirects:"]
    for probe in report.chain:
        exchange = report.exchange(probe)
        status = exchange.response.status if exchange.response else exchange.error
        lines.append(f"  {exchange.request.url}  → {status}")
    return lines


# --- outcomes -----------------------------------------------------------------------------------


def below(grade: str, threshold: str) -> bool:
    """True when ``grade`` is worse than ``threshold`` (A+ > A > B > C > D > F)."""
    return LETTERS.index(grade) > LETTERS.index(threshold)


def outcome(report: Report, threshold: str | None) -> int:
    if report.status is not Status.OK or report.grade not in LETTERS:
        return NOT_JUDGED
    if threshold is not None and below(report.grade, threshold):
        return BELOW_THRESHOLD
    return PASSED


def worst_finding(report: Report) -> str:
    judged = [f for f in report.findings if f.severity is not Severity.PASS]
    if not judged:
        return ""
    worst = min(judged, key=lambda finding: finding.severity.rank)
    return f"{worst.severity.value}: {worst.id}"


# --- reading the command line -------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """Exits 64 on a usage error (argparse's own choice, 2, means "not judged" here)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"{self.prog}: error: {message}\n")


def grade_letter(text: str) -> str:
    letter = text.strip().upper()
    if letter not in LETTERS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a grade: give one of {', '.join(LETTERS)}"
        )
    return letter


def endpoint_count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_ENDPOINTS:
        raise argparse.ArgumentTypeError(f"give a whole number from 0 to {MAX_ENDPOINTS}")
    return number


def concurrency(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"give a whole number from 1 to {MAX_CONCURRENCY}")
    return number


def address_count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError("give a whole number of 1 or more")
    return number


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description="Check the CORS and security headers of one or more sites and grade them.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("targets", nargs="*", metavar="URL", help="a domain or URL to check")
    parser.add_argument(
        "--targets-file",
        metavar="FILE",
        help="read more targets from FILE, one a line (- for standard input); blank lines and "
        "lines starting with # are skipped",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text for people; json: one report per line (JSON Lines), in input order; sarif: "
        "one SARIF 2.1.0 log for GitHub code scanning",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="--format json"
    )
    parser.add_argument(
        "--fail-under",
        metavar="GRADE",
        type=grade_letter,
        help=f"exit {BELOW_THRESHOLD} when a grade is below GRADE ({', '.join(LETTERS)})",
    )
    parser.add_argument(
        "--frontend-origin", help="your frontend's origin, e.g. https://app.example"
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="grade as a page or as an API answer (default: by the kind of answer)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header too (repeatable), e.g. an Authorization for an API behind a "
        "token; only its name is ever shown",
    )
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="'[METHODS] PATH'",
        help="probe this endpoint too (repeatable), e.g. 'GET,DELETE /users/{id}'; templates "
        "are filled with a harmless placeholder",
    )
    parser.add_argument(
        "--paths",
        metavar="FILE",
        help="probe the endpoints listed in FILE, one a line in the form of --path",
    )
    parser.add_argument(
        "--openapi",
        metavar="FILE|URL",
        help="probe every operation of this OpenAPI 3 document (JSON or YAML); a URL is "
        "fetched by the scan itself, through the same address guard",
    )
    parser.add_argument(
        "--max-endpoints",
        type=endpoint_count,
        default=None,
        metavar="N",
        help="probe at most N endpoints of an API (default: CHECKER_MAX_ENDPOINTS, else "
        f"{Options.max_endpoints})",
    )
    parser.add_argument(
        "--concurrency",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"scan at most N targets at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--max-addresses",
        type=address_count,
        metavar="N",
        help="probe at most N of the addresses a name resolves to, the first included "
        "(default: CHECKER_MAX_ADDRESSES, else 4)",
    )
    parser.add_argument(
        "--site-url",
        default=os.environ.get("CORSCHECK_SITE_URL") or DEFAULT_SITE_URL,
        metavar="URL",
        help="the corscheck site SARIF rules link to for help (default: CORSCHECK_SITE_URL, "
        f"else {DEFAULT_SITE_URL})",
    )
    parser.add_argument(
        "--sarif-file-path",
        metavar="PATH",
        help="the repository file SARIF results point at (default: the running GitHub "
        "Actions workflow, else .github/workflows/corscheck.yml)",
    )
    return parser


def read_targets(source: IO[str]) -> list[str]:
    lines = (line.strip() for line in source)
    return [line for line in lines if line and not line.startswith("#")]


def targets_from(args: argparse.Namespace, parser: Parser) -> list[str]:
    targets = list(args.targets)
    if args.targets_file == "-":
        targets += read_targets(sys.stdin)
    elif args.targets_file is not None:
        try:
            with open(args.targets_file, encoding="utf-8") as source:
                targets += read_targets(source)
        except (OSError, UnicodeDecodeError) as error:
            parser.error(f"--targets-file {args.targets_file}: {error}")
    if not targets:
        parser.error("give a URL to check, or --targets-file FILE")
    return targets


def _count_setting(name: str, parse: Callable[[str], int], default: int) -> int:
    """A count from the environment, checked as its flag checks it; ValueError names it."""
    given = os.environ.get(name, "").strip()
    try:
        return parse(given) if given else default
    except argparse.ArgumentTypeError as error:
        raise ValueError(f"{name}: {given!r}: {error}") from None


def options_from_environment(
    frontend_origin: str | None = None,
    profile: str | None = None,
    request_headers: tuple[tuple[str, str], ...] = (),
    max_addresses: int | None = None,
    max_endpoints: int | None = None,
) -> Options:
    """The command line reads the same variables as the web site's settings; ValueError names
    the variable whose value is wrong. A flag (``max_addresses``, ``max_endpoints``) wins over
    its variable."""
    networks = os.environ.get("CHECKER_ALLOW_NETWORKS", "")
    ports = os.environ.get("CHECKER_ALLOWED_PORTS", "")
    try:
        allowed_ports = parse_ports(ports) if ports.strip() else DEFAULT_PORTS
    except ValueError as error:
        raise ValueError(f"CHECKER_ALLOWED_PORTS: {error}") from None
    if max_addresses is None:
        max_addresses = _count_setting(
            "CHECKER_MAX_ADDRESSES", address_count, Options.max_addresses
        )
    if max_endpoints is None:
        max_endpoints = _count_setting(
            "CHECKER_MAX_ENDPOINTS", endpoint_count, Options.max_endpoints
        )
    return Options(
        max_addresses=max_addresses,
        max_endpoints=max_endpoints,
        allow_networks=tuple(n.strip() for n in networks.split(",") if n.strip()),
        allowed_ports=allowed_ports,
        ca_bundle=os.environ.get("CHECKER_CA_BUNDLE") or None,
        frontend_origin=frontend_origin,
        profile=profile,
        request_headers=request_headers,
    )


# --- the batch ----------------------------------------------------------------------------------


class InOrder:
    """Hands items on in index order, each as soon as every one before it has arrived."""

    def __init__(self, deliver: Callable[[int, Report], None]) -> None:
        self.deliver = deliver
        self.waiting: dict[int, Report] = {}
        self.next = 0

    def add(self, index: int, report: Report) -> None:
        self.waiting[index] = report
        while self.next in self.waiting:
            self.deliver(self.next, self.waiting.pop(self.next))
            self.next += 1


async def scan_all(
    targets: list[str],
    options: Options,
    limit: int,
    done: Callable[[int, Report], None] = lambda index, report: None,
) -> list[Report]:
    """Every target on one event loop, at most ``limit`` at once; reports in input order."""
    from checker.engine import scan_async

    gate = asyncio.Semaphore(limit)

    async def one(index: int, raw: str) -> Report:
        async with gate:
            report = await scan_async(raw, options)
        done(index, report)
        return report

    return list(await asyncio.gather(*(one(i, raw) for i, raw in enumerate(targets))))


@dataclass
class Output:
    """Where reports go as they come: stdout in input order, held back while a progress bar
    draws on the same terminal."""

    format: str
    stream: IO[str]
    hold: bool = False

    def __post_init__(self) -> None:
        self.held: list[str] = []
        self.written = 0

    def report(self, index: int, report: Report) -> None:
        if self.format == "sarif":
            return  # one document for all of them, at the end
        text = render_json(report) + "\n" if self.format == "json" else render_text(report)
        if self.format == "text" and self.written:
            text = "\n" + text
        self.written += 1
        if self.hold:
            self.held.append(text)
        else:
            self.stream.write(text)
            self.stream.flush()

    def release(self) -> None:
        self.stream.write("".join(self.held))
        self.stream.flush()
        self.held.clear()


def run_batch(
    targets: list[str], options: Options, limit: int, output: Output, terminal: bool
) -> list[Report]:
    in_order = InOrder(output.report)
    if not terminal:
        return asyncio.run(scan_all(targets, options, limit, in_order.add))

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    try:
        with progress:
            task = progress.add_task("Scanning", total=len(targets))

            def done(index: int, report: Report) -> None:
                progress.advance(task)
                in_order.add(index, report)

            return asyncio.run(scan_all(targets, options, limit, done))
    finally:
        output.release()  # after the bar is gone from the terminal


def print_summary(reports: list[Report], threshold: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="corscheck")
    for column in ("Target", "Grade", "Score", "Worst finding", "Status"):
        table.add_column(column, overflow="fold")
    for report in reports:
        code = outcome(report, threshold)
        if code == NOT_JUDGED:
            status = f"not judged: {report.status.value}"
        elif code == BELOW_THRESHOLD:
            status = f"below {threshold}"
        else:
            status = "ok"
        table.add_row(
            report.target.url if report.target.scheme else report.target.raw,
            report.grade or "—",
            "" if report.score is None else str(report.score),
            worst_finding(report),
            status,
        )
    Console(stderr=True).print(table)


def exit_code(reports: Iterable[Report], threshold: str | None) -> int:
    return max((outcome(report, threshold) for report in reports), default=PASSED)


def api_options(args: argparse.Namespace, options: Options) -> Options:
    """The endpoints of a whole-API scan, from --path, --paths and --openapi; raises
    EndpointsError with a sentence."""
    lines = list(args.path)
    if args.paths:
        try:
            with open(args.paths, encoding="utf-8") as source:
                lines += source.read().splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise EndpointsError(f"--paths {args.paths}: {error}") from None
    found = parse_paths("\n".join(lines)) if lines else ()
    openapi_url = None
    if args.openapi and args.openapi.startswith(("http://", "https://")):
        openapi_url = args.openapi
    elif args.openapi:
        try:
            with open(args.openapi, "rb") as source:
                data = source.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as error:
            raise EndpointsError(f"--openapi {args.openapi}: {error}") from None
        try:
            found = found + parse_openapi(data).endpoints
        except EndpointsError as error:
            raise EndpointsError(f"--openapi {args.openapi}: {error.message}") from None
    return replace(options, endpoints=tuple(found), openapi_url=openapi_url)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    targets = targets_from(args, parser)
    site_url = args.site_url.rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        parser.error(f"--site-url {args.site_url!r}: give an http:// or https:// address")
    try:  # the engine's own checks; their sentences name a header, never quote its value
        headers = check_request_headers(parse_header_line(line) for line in args.header)
    except RequestHeaderError as error:
        parser.error(f"--header: {error.message}")
    try:
        options = options_from_environment(
            args.frontend_origin,
            args.profile,
            headers,
            max_addresses=args.max_addresses,
            max_endpoints=args.max_endpoints,
        )
    except ValueError as error:
        # A setting of ours, not the command line: nothing can be judged until it is fixed.
        parser.exit(NOT_JUDGED, f"{parser.prog}: {error}\n")

    try:
        options = api_options(args, options)
    except EndpointsError as error:
        parser.error(error.message)

    terminal = sys.stderr.isatty() and len(targets) > 1
    output = Output(args.format, sys.stdout, hold=terminal and sys.stdout.isatty())
    try:
        reports = run_batch(targets, options, args.concurrency, output, terminal)
    except OSError as error:  # the machine, not a target: a CA file that is not there
        parser.exit(NOT_JUDGED, f"{parser.prog}: {error}\n")
    except KeyboardInterrupt:
        return 130

    if args.format == "sarif":
        from checker.sarif import default_file_path, sarif_log

        file_path = args.sarif_file_path or default_file_path(dict(os.environ))
        sys.stdout.write(json.dumps(sarif_log(reports, site_url, file_path), indent=2) + "\n")
    if terminal:
        print_summary(reports, args.fail_under)
    return exit_code(reports, args.fail_under)
