"""Every row of tests/conformance/cases.py in a real Firefox (Debian's firefox-esr).

Firefox is driven over WebDriver BiDi by puppeteer-core (tests/conformance/node/firefox.js, one
browser for the whole module), kept off the network by MOZ_DISABLE_NONLOCAL_CONNECTIONS and its
prefs, and told by ``network.dns.localDomains`` that app.test, api.test and other.test are
127.0.0.1. See tests/conformance/suite.py for what each row checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.cases import CASES, Case
from tests.conformance.engines import Firefox, firefox_missing
from tests.conformance.servers import HOSTS, Origins
from tests.conformance.suite import check_row, recorded

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(firefox_missing() is not None, reason=firefox_missing() or ""),
]

# Rows where Firefox 153 ESR was measured doing something other than the Fetch standard.
DIFFERS = {
    "headers-star-with-authorization": "Firefox lets '*' cover Authorization (pref"
    " network.cors_preflight.authorization_covered_by_wildcard), with a warning",
    "redirect-307-put-to-other-origin": "after a cross-origin redirect of a preflighted request"
    " Firefox preflights the new origin again with the page's origin (the request after it"
    " carries null, as the standard's does)",
    "redirect-307-put-second-preflight-fails": "after a cross-origin 307 Firefox sends the"
    " second preflight with the page's origin, not null, so an allow-list that names the page"
    " passes",
    "redirect-303-post-becomes-get": "after a 303 of a preflighted POST Firefox preflights the"
    " GET to the new origin again, with the page's origin, where the standard sends a plain GET"
    " with Origin: null",
}


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with Origins() as server:
        yield server


@pytest.fixture(scope="module")
def firefox() -> Iterator[Firefox]:
    browser = Firefox(HOSTS)
    yield browser
    browser.close()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_firefox_does_what_was_recorded_and_predicted(
    firefox: Firefox, origins: Origins, case: Case
) -> None:
    check_row(firefox, origins, case, DIFFERS)


def test_the_recording_is_from_this_firefox(firefox: Firefox) -> None:
    data = recorded("firefox")
    assert data["version"] == firefox.version
    assert set(data["rows"]) == {case.id for case in CASES}
