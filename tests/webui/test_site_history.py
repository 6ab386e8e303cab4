"""A target's history (/t/<token>/), a site's targets (/s/<host>/) and the comparison of two scans
(/r/<a>/vs/<b>/), through Django's test client."""

from datetime import UTC, datetime, timedelta

import pytest

from checker import Report, Status, parse_target, scan
from checker.findings import finding
from webui.models import Scan, Site, Target

pytestmark = pytest.mark.django_db

URL = "https://shop.example/"
DAY0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def engine_report(*findings, status=Status.OK, grade="B", score=80, version=4) -> Report:
    ok = status is Status.OK
    return Report(
        target=parse_target(URL),
        status=status,
        message="" if ok else "The connection was refused.",
        findings=tuple(findings),
        grade=grade if ok else None,
        score=score if ok else None,
        algorithm_version=version,
    )


def make_scan(site, day=0, report=None, url=URL, private=False, **fields) -> Scan:
    scan = Scan(
        site=site,
        target_raw=url,
        target_url=url,
        private=private,
        created=DAY0 + timedelta(days=day),
        **fields,
    )
    if report is None:
        scan.save()
    else:
        scan.finish(report)
    return scan


@pytest.fixture
def site():
    return Site.objects.create(host="shop.example")


def cookie(*names):
    facts = tuple(pair for name in names for pair in (("cookie", name), ("set-cookie", name)))
    return finding("cookie.no-secure", f"Cookies without Secure: {', '.join(names)}", facts=facts)


# --- /t/<token>/ ---------------------------------------------------------------------------


def test_the_history_lists_the_targets_public_scans_newest_first(client, site):
    older = make_scan(site, 0, engine_report(grade="C", score=70))
    private = make_scan(site, 1, engine_report(), private=True)
    newer = make_scan(site, 2, engine_report(status=Status.UNREACHABLE))
    elsewhere = make_scan(site, 3, engine_report(), url=URL + "api")

    html = client.get(f"/t/{older.target.token}/").content.decode()

    assert html.index(newer.token) < html.index(older.token)
    assert private.token not in html and elsewhere.token not in html
    assert '<span class="grade grade--small grade--c">C</span>' in html
    assert "70/100" in html and "Could not be checked" in html
    assert f'href="/r/{older.token}/vs/{newer.token}/"' in html
    assert "2 public scans" in html
    assert "style=" not in html  # the site's CSP forbids inline styles


def test_each_scan_links_to_the_comparison_with_the_scan_before_that_has_a_report(client, site):
    first = make_scan(site, 0, engine_report())
    failed = make_scan(site, 1, status=Scan.Status.FAILED, error="Our worker died.")
    last = make_scan(site, 2, engine_report(grade="A", score=95))

    html = client.get(f"/t/{first.target.token}/").content.decode()

    assert f"/r/{first.token}/vs/{last.token}/" in html
    assert f"/vs/{failed.token}/" not in html and f"/r/{failed.token}/vs/" not in html
    assert "First scan" in html


def test_the_chart_has_grade_bands_date_ticks_a_text_version_and_a_mark_for_an_outage(client, site):
    make_scan(site, 0, engine_report(grade="D", score=55))
    make_scan(site, 4, engine_report(status=Status.UNREACHABLE))
    last = make_scan(site, 9, engine_report(grade="A+", score=100))

    html = client.get(f"/t/{last.target.token}/").content.decode()

    assert html.count('role="img" aria-labelledby="gradechart-') == 2  # wide and narrow
    assert (
        "Grade over time: 3 scans, 2 Nov 2026 to 11 Nov 2026. The first graded D, the latest A+;"
        in html
    )
    for letter in ("A+", "A", "B", "C", "D", "F"):
        assert f'dominant-baseline="central">{letter}</text>' in html
    assert ">2026</text>" in html  # the year is given where the ticks start
    # Both axes are titled: the letters are grades, the ticks dates in UTC.
    assert html.count(">Grade</text>") == 2
    assert html.count(">Date of the scan (UTC)</text>") == 2
    assert "<title>Could not reach the site, 6 Nov 2026, 10:00 UTC</title>" in html
    assert "a scan that could not reach the site" in html
    assert "<title>A+ (100/100), 11 Nov 2026, 10:00 UTC</title>" in html


def test_a_target_with_one_scan_has_no_chart(client, site):
    only = make_scan(site, 0, engine_report())
    html = client.get(f"/t/{only.target.token}/").content.decode()
    assert "Grade over time" not in html and only.token in html


def test_a_target_known_only_from_private_scans_has_no_history(client, site):
    hidden = make_scan(site, 0, engine_report(), private=True)
    assert client.get(f"/t/{hidden.target.token}/").status_code == 404
    assert client.get("/t/AAAAAAAAAAAA/").status_code == 404


def test_a_public_report_links_to_the_history_of_its_target(client, site):
    public = make_scan(site, 0, engine_report())
    hidden = make_scan(site, 1, engine_report(), private=True, url=URL + "secret")
    html = client.get(f"/r/{public.token}/").content.decode()
    assert f'href="/t/{public.target.token}/">History of this target</a>' in html
    assert "History of this target" not in client.get(f"/r/{hidden.token}/").content.decode()


# --- /s/<host>/ ----------------------------------------------------------------------------


def test_a_site_lists_its_targets_with_their_latest_grade_and_no_scans_mixed(client, site):
    home_old = make_scan(site, 0, engine_report(grade="F", score=10))
    home_new = make_scan(site, 3, engine_report(grade="A", score=92))
    api = make_scan(site, 1, engine_report(status=Status.UNREACHABLE), url=URL + "api")
    make_scan(site, 2, engine_report(), url=URL + "secret", private=True)

    html = client.get("/s/shop.example/").content.decode()

    assert f'href="/t/{home_new.target.token}/"' in html
    assert f'href="/t/{api.target.token}/"' in html
    assert "secret" not in html
    assert home_new.token in html and home_old.token not in html
    assert 'aria-label="Latest grade A">A</span>' in html
    assert "grade--f" not in html
    assert "2 scans" in html and "1 scan</span>" in html
    assert html.index(home_new.target.token) < html.index(api.target.token)  # latest first


def test_an_unknown_site_or_one_with_only_private_scans_is_not_found(client, site):
    assert client.get("/s/never-checked.example/").status_code == 404
    make_scan(site, 0, engine_report(), private=True)
    assert client.get("/s/shop.example/").status_code == 404


# --- /r/<a>/vs/<b>/ ------------------------------------------------------------------------


def test_the_comparison_shows_the_grade_change_and_new_fixed_and_unchanged_findings(client, site):
    older = make_scan(
        site,
        0,
        engine_report(cookie("session", "theme"), finding("hsts.missing"), grade="C", score=70),
    )
    newer = make_scan(site, 1, engine_report(cookie("theme", "cart"), grade="B", score=85))

    response = client.get(f"/r/{older.token}/vs/{newer.token}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "The grade went up from C to B (score 70 to 85, +15)." in html
    new = html[html.index('id="changes-new"') : html.index('id="changes-fixed"')]
    fixed = html[html.index('id="changes-fixed"') : html.index('id="changes-unchanged"')]
    unchanged = html[html.index('id="changes-unchanged"') :]
    assert "cookie cart" in new and "cookie session" not in new
    assert 'href="/glossary/set-cookie/"' in new
    assert "cookie session" in fixed and "hsts.missing" in fixed
    assert "cookie theme" in unchanged
    assert "New (1)" in html and "Fixed (2)" in html and "Unchanged (1)" in html
    assert 'href="/glossary/strict-transport-security/"' in html
    assert f'href="/r/{older.token}/"' in html and f'href="/r/{newer.token}/"' in html
    assert f'href="/t/{older.target.token}/">History of this target' in html
    assert "style=" not in html


def test_the_comparison_is_always_older_to_newer(client, site):
    older = make_scan(site, 0, engine_report())
    newer = make_scan(site, 1, engine_report())

    response = client.get(f"/r/{newer.token}/vs/{older.token}/")

    assert response.status_code == 301
    assert response["Location"] == f"/r/{older.token}/vs/{newer.token}/"


def test_a_severity_change_is_shown_with_both_severities(client, site):
    from checker import Severity

    quiet = finding("cors.private-network-allowed", "Private network", severity=Severity.INFO)
    loud = finding("cors.private-network-allowed", "Private network", severity=Severity.MEDIUM)
    older = make_scan(site, 0, engine_report(quiet))
    newer = make_scan(site, 1, engine_report(loud))

    html = client.get(f"/r/{older.token}/vs/{newer.token}/").content.decode()

    assert "Worse (1)" in html and "Info → Medium" in html
    assert "Better (" not in html
    assert "The grade stayed B and the score 80." in html


def test_an_unreachable_side_is_said_plainly_and_nothing_is_called_fixed(client, site):
    older = make_scan(site, 0, engine_report(finding("hsts.missing")))
    newer = make_scan(site, 1, engine_report(status=Status.UNREACHABLE))

    html = client.get(f"/r/{older.token}/vs/{newer.token}/").content.decode()

    assert "The newer scan could not reach the site. The connection was refused." in html
    assert "no finding can be called fixed or new" in html
    assert "Fixed (" not in html


def test_different_algorithm_versions_are_said_so(client, site):
    older = make_scan(site, 0, engine_report(version=3))
    newer = make_scan(site, 1, engine_report(version=4))
    html = client.get(f"/r/{older.token}/vs/{newer.token}/").content.decode()
    assert "graded by different versions of our rules (3 and 4)" in html


def test_private_scans_compare_for_whoever_holds_both_codes(client, site):
    older = make_scan(site, 0, engine_report(), private=True)
    newer = make_scan(site, 1, engine_report(grade="A", score=91), private=True)

    html = client.get(f"/r/{older.token}/vs/{newer.token}/").content.decode()

    assert "The grade went up from B to A" in html
    assert "History of this target" not in html  # a history would list nothing


@pytest.mark.parametrize(
    "case, reason",
    [
        ("unknown", "There is no scan with the code AAAAAAAAAAAA."),
        ("same", "Both codes name the same scan"),
        ("other-target", "These scans are of different targets"),
        ("running", "has not finished yet"),
        ("failed", "failed on our side and has no report to compare"),
    ],
)
def test_scans_that_cannot_be_compared_get_a_404_that_says_why(client, site, case, reason):
    first = make_scan(site, 0, engine_report())
    second = {
        "unknown": None,
        "same": first,
        "other-target": make_scan(site, 1, engine_report(), url=URL + "api"),
        "running": make_scan(site, 1, status=Scan.Status.RUNNING),
        "failed": make_scan(site, 1, status=Scan.Status.FAILED, error="Gave up."),
    }[case]
    token = "AAAAAAAAAAAA" if second is None else second.token

    response = client.get(f"/r/{first.token}/vs/{token}/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "These two scans cannot be compared" in html and reason in html


def test_a_comparison_of_two_real_scans_of_a_server_that_changed(
    client, site, tls_target_server, checker_options
):
    state = {"cookies": ["session=1; Path=/", "theme=dark; Secure; SameSite=Lax"]}

    def respond(request):
        headers = [("Content-Type", "text/html")] + [("Set-Cookie", c) for c in state["cookies"]]
        return 200, headers, b"<!doctype html><title>shop</title>"

    tls_target_server.responder = respond
    url = tls_target_server.url + "/"
    older = make_scan(site, 0, scan(url, checker_options), url=url)
    state["cookies"] = [
        "session=1; Path=/; Secure; HttpOnly; SameSite=Lax",
        "theme=dark; Secure; SameSite=Lax",
    ]
    newer = make_scan(site, 1, scan(url, checker_options), url=url)
    assert older.target == newer.target == Target.objects.get(url=url)

    html = client.get(f"/r/{older.token}/vs/{newer.token}/").content.decode()

    new = html[html.index('id="changes-new"') : html.index('id="changes-fixed"')]
    fixed = html[html.index('id="changes-fixed"') : html.index('id="changes-unchanged"')]
    assert "cookie.all-secure" in new
    assert "cookie.no-secure" in fixed and "cookie session" in fixed
    assert "cookie theme" not in new + fixed
