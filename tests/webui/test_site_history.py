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
