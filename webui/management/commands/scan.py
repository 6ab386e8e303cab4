import sys

from django.core.management.base import BaseCommand

import checker
from checker.cli import NOT_JUDGED, render_json, render_text
from checker.findings import PROFILES
from webui.options import options_from_settings


class Command(BaseCommand):
    help = "Check one site with the same settings the worker uses and print the report."

    def add_arguments(self, parser):
        parser.add_argument("target", help="a domain or URL, e.g. example.com")
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")
        parser.add_argument("--frontend-origin", help="your frontend's origin")
        parser.add_argument(
            "--profile", choices=PROFILES, help="grade as a page or an API (default: automatic)"
        )

    def handle(self, *args, **options):
        settings = options_from_settings(options["frontend_origin"], options["profile"])
        report = checker.scan(options["target"], settings)
        text = render_json(report) + "\n" if options["json"] else render_text(report)
        self.stdout.write(text, ending="")
        if report.status != checker.Status.OK:
            sys.exit(NOT_JUDGED)  # as python -m checker: a graded site, or a failure
