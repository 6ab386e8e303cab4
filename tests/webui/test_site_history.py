import pytest

from webui.models import Scan, Site

pytestmark = pytest.mark.django_db


def test_it_lists_a_sites_scans_newest_first_with_grades(client):
    site = Site.objects.create(host="xn--bcher-kva.example")
    older = Scan.objects.create(
        site=site,
        target_raw="a",
        target_url="https://xn--bcher-kva.example/",
        grade="C",
        score=72,
        status=Scan.Status.DONE,
    )
    newer = Scan.objects.create(
        site=site,
        target_raw="b",
        target_url="https://xn--bcher-kva.example/api",
        status=Scan.Status.UNREACHABLE,
        error="No answer",
    )

    html = client.get("/s/xn--bcher-kva.example/").content.decode()

    assert html.index(newer.token) < html.index(older.token)
    assert '<span class="grade grade--small grade--c">C</span>' in html
    assert "72/100" in html
    assert "Could not be checked" in html


def test_a_report_links_to_its_sites_history(client):
    site = Site.objects.create(host="example.com")
    scan = Scan.objects.create(site=site, target_raw="x", target_url="https://example.com/")
    assert 'href="/s/example.com/"' in client.get(f"/r/{scan.token}/").content.decode()


def test_an_unknown_site_is_not_found(client):
    assert client.get("/s/never-checked.example/").status_code == 404


def test_it_draws_the_score_over_time_oldest_first(client):
    site = Site.objects.create(host="example.com")
    for score, grade in ((40, "F"), (72, "C"), (100, "A+")):
        Scan.objects.create(
            site=site,
            target_raw="x",
            target_url="https://example.com/",
            grade=grade,
            score=score,
            status=Scan.Status.DONE,
        )

    html = client.get("/s/example.com/").content.decode()

    assert 'role="img"' in html
    assert "oldest first: 40, 72, 100." in html
    assert "Lowest 40, highest 100" in html
    assert "style=" not in html  # the site's CSP forbids inline styles


def test_one_graded_scan_draws_no_line(client):
    site = Site.objects.create(host="example.com")
    Scan.objects.create(
        site=site,
        target_raw="x",
        target_url="https://example.com/",
        score=90,
        grade="A",
        status=Scan.Status.DONE,
    )
    assert "Score over time" not in client.get("/s/example.com/").content.decode()
