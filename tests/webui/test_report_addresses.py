"""The report page of a name with two addresses, one of them a stale node that trusts every
origin with credentials: a real scan through the worker's task, the name resolved by the
engine through ``socket.getaddrinfo`` (see tests/checker/test_addresses.py)."""

import re

import pytest

from tests.checker.test_addresses import (
    NAME,
    name_with,  # noqa: F401 (a fixture)
    reflecting,
    servers,
)
from tests.webui.test_report import queue
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db


def scanned(client, url: str):
    scan = queue(client, url)
    run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == "done", scan.error
    return scan, client.get(f"/r/{scan.token}/").content.decode()


def addresses_card(html: str) -> str:
    start = html.index('id="addresses-title"')
    return html[start : html.index("</section>", start)]


def test_the_report_shows_each_address_and_what_it_answered_differently(
    client,
    allow_loopback,
    name_with,  # noqa: F811
):
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (good, stale):
        stale.responder = reflecting
        scan, html = scanned(client, f"http://{NAME}:{good.port}/")

    card = addresses_card(html)
    rows = re.findall(r'<tr class="address-row[^"]*">.*?</tr>', card, flags=re.DOTALL)
    assert len(rows) == 2
    assert "<code>127.0.0.3</code> (the first)" in rows[0]
    assert "address-row--differs" in rows[1] and "<code>127.0.0.4</code>" in rows[1]
    assert "<code>cors.reflect-origin-credentials</code>" in rows[1]
    assert "access-control-allow-origin" in rows[1]
    assert scan.grade == "F"
    # The finding itself names the address and shows that address's request as evidence.
    here = html.index('<code class="finding__id">cors.reflect-origin-credentials</code>')
    block = html[html.rindex('<details class="finding', 0, here) : html.index("</section>", here)]
    assert "127.0.0.4" in block
    assert '<tr class="cors-row cors-row--bad">' in block  # its CORS answer, shown as one
    assert '<span class="cors-row__label">arbitrary, at 127.0.0.4</span>' in block
    # The table of every CORS probe stays the first address's.
    assert (
        len(
            re.findall(
                r'<tr class="cors-row cors-row--bad">',
                html.split("Every CORS probe")[1].split("</details>")[0],
            )
        )
        == 0
    )


def test_a_name_with_one_address_has_no_addresses_table(client, allow_loopback, name_with):  # noqa: F811
    name_with("127.0.0.3")
    with servers("127.0.0.3") as (server,):
        _, html = scanned(client, f"http://{NAME}:{server.port}/")
    assert 'id="addresses-title"' not in html


def test_the_setting_caps_the_addresses_probed(client, allow_loopback, name_with, settings):  # noqa: F811
    settings.CHECKER_MAX_ADDRESSES = 1
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        scan, _ = scanned(client, f"http://{NAME}:{first.port}/")
    assert second.requests == []
    assert scan.engine_report.addresses_not_probed == ("127.0.0.4",)
