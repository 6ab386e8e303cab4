"""Every row of tests/conformance/cases.py in a real WebKit (Debian's WebKitGTK, Safari's engine).

WebKitWebDriver drives the stand-in browser tests/conformance/webkit_browser.py (one for the whole
module) under Xvfb; its only way out is a CONNECT proxy of ours that tunnels to the test servers
and refuses everything else. See tests/conformance/suite.py for what each row checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.cases import CASES, Case
from tests.conformance.engines import WebKit, webkit_missing
from tests.conformance.servers import HOSTS, Origins
from tests.conformance.suite import check_row, recorded

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(webkit_missing() is not None, reason=webkit_missing() or ""),
]

# Rows where WebKitGTK 2.50 was measured doing something other than the Fetch standard.
DIFFERS = {
    "headers-star-with-authorization": "WebKit lets '*' cover Authorization, without a warning",
    "repeated-accept-header": "WebKit, like Chromium, judges the two Accept values joined"
    " (202 bytes) and preflights",
    "redirect-303-post-becomes-get": "after a 303 WebKit keeps the POST's Content-Type on the"
    " GET, so it preflights the new origin for content-type and fails",
    "plain-http-loopback-is-trustworthy": "WebKit blocks http://127.0.0.1 from an HTTPS page as"
    " mixed content; the standard counts loopback as potentially trustworthy",
}


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with Origins() as server:
        yield server


@pytest.fixture(scope="module")
def webkit(origins: Origins) -> Iterator[WebKit]:
    browser = WebKit(HOSTS, (origins.port, origins.plain_port))
    yield browser
    browser.close()
    assert browser.proxy.refused == [], "WebKit tried to reach something other than the tests"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_webkit_does_what_was_recorded_and_predicted(
    webkit: WebKit, origins: Origins, case: Case
) -> None:
    check_row(webkit, origins, case, DIFFERS)


def test_the_recording_is_from_this_webkit(webkit: WebKit) -> None:
    data = recorded("webkit")
    assert data["version"] == webkit.version
    assert set(data["rows"]) == {case.id for case in CASES}
