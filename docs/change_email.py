"""Draw docs/change-email.png: the HTML body of a real change mail, as headless Chromium shows it.

Two real scans of a local HTTPS API server — first well configured, then reflecting any Origin with
credentials and without two of its headers — compared and rendered by the same code and
templates as a re-check's mail. Only the target's name is changed, to api.shop.example, so the
picture does not show a loopback port. Run from the project's root:

    python docs/change_email.py [--width 700] [--output docs/change-email.png]

It uses a throw-away SQLite database and test CA, and Debian's Chromium (/usr/bin/chromium);
the subject and plain-text body are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
APP = "https://app.shop.example"
SHOWN_AS = "https://api.shop.example/v1/orders"
BODY = b'{"orders": []}'
SAFE = [
    ("Content-Type", "application/json"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Resource-Policy", "same-site"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
]


def before(request):
    """Only the shop's own frontend may read the API, with cookies."""
    headers = list(SAFE)
    if request.header("Origin") == APP:
        headers += [
            ("Access-Control-Allow-Origin", APP),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    return 200, [*headers, ("Vary", "Origin")], BODY


def after(request):
    """Someone "fixed" a CORS error by echoing every Origin, and lost two headers on the way."""
    dropped = {"X-Content-Type-Options", "Content-Security-Policy"}
    headers = [(name, value) for name, value in SAFE if name not in dropped]
    origin = request.header("Origin")
    if origin:
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    return 200, headers, BODY


def scan(site, url: str):
    import checker
    from webui.models import Scan
    from webui.options import options_from_settings

    row = Scan.objects.create(site=site, target_raw=url, target_url=url)
    row.finish(checker.scan(url, options_from_settings()))
    return row


def tls_context(ca_file: Path):
    """A certificate for 127.0.0.1 from a throw-away CA, which the checker is told to trust."""
    import ssl

    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def render_mail(ca_file: Path) -> tuple[str, str, str]:
    from django.core.management import call_command
    from django.utils import timezone

    from tests.targets import TargetServer
    from webui import alerts, mail
    from webui.models import Site, Subscription

    call_command("migrate", verbosity=0)
    server = TargetServer(responder=before, ssl_context=tls_context(ca_file)).start()
    try:
        site = Site.objects.create(host="127.0.0.1")
        url = server.url + "/v1/orders"
        first = scan(site, url)
        server.responder = after
        second = scan(site, url)
    finally:
        server.stop()
    target = first.target
    target.url = SHOWN_AS
    target.save()
    subscription = Subscription.objects.create(
        target=target,
        email="you@example.com",
        confirmed=timezone.now() - timedelta(days=3),
        last_scan=first,
        reachable=True,
    )
    message = alerts.message_for(subscription, first, second, True)
    assert message is not None and message[0] == "changes", message
    return mail.render(*message)


def screenshot(html: str, output: Path, width: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            + ["--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": width, "height": 400})
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(output), full_page=True)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=700)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "change-email.png")
    parser.add_argument("--html", type=Path, help="also save the HTML body here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="webui.settings",
            DATABASE_URL=f"sqlite:///{folder}/mail.sqlite3",
            SITE_URL="https://corscheck.example",
            CHECKER_ALLOW_NETWORKS="127.0.0.0/8",
            CHECKER_ALLOWED_PORTS="1-65535",
            CHECKER_CA_BUNDLE=f"{folder}/ca.pem",
        )
        os.environ.pop("EMAIL_URL", None)
        import django

        django.setup()
        subject, text, html = render_mail(Path(folder) / "ca.pem")
    print(f"Subject: {subject}\n\n{text}")
    if args.html:
        args.html.write_text(html)
    screenshot(html, args.output, args.width)
    print(f"saved {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
