"""A scan marked private is listed nowhere and is never shared with another submission."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webui.models import Scan, Site

pytestmark = pytest.mark.django_db

PRIVATE_NOTICE = (
    "This scan is private: it is not listed in the site's history or anywhere else, and "
    "only people with this link can see it."
)


def post(client, target: str, **fields):
    return client.post("/", {"target": target, **fields})


def scan_of(response) -> Scan:
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def graded(url: str, private: bool, **fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    values = {"status": Scan.Status.DONE, "grade": "B", "score": 85, "finished": timezone.now()}
    return Scan.objects.create(
        site=site, target_raw=url, target_url=url, private=private, **{**values, **fields}
    )


def test_the_form_offers_a_private_scan(client):
    html = client.get("/").content.decode()
    assert '<input type="checkbox" name="private" id="id_private">' in html
    assert (
        '<label for="id_private">Don&#x27;t list this scan: only people with the link can see '
        "it</label>"
    ) in html


def test_a_private_scan_is_stored_as_private_and_its_report_says_so(client):
    scan = scan_of(post(client, "example.com", private="on"))

    assert scan.private is True
    assert PRIVATE_NOTICE in client.get(scan.get_absolute_url()).content.decode()
    public = scan_of(post(client, "other.example"))
    assert public.private is False
    assert PRIVATE_NOTICE not in client.get(public.get_absolute_url()).content.decode()


def test_the_site_and_target_histories_list_only_public_scans(client):
    public = graded("example.com/", private=False, score=40, grade="F")
    hidden = graded("example.com/secret", private=True, score=100, grade="A+")
    hidden_twin = graded("example.com/", private=True, score=100, grade="A+")
    graded("example.com/", private=False, score=72, grade="C")

    site = client.get("/s/example.com/").content.decode()
    history = client.get(f"/t/{public.target.token}/").content.decode()

    assert public.target.token in site
    assert hidden.target.token not in site and "example.com/secret" not in site
    assert public.token in history and hidden_twin.token not in history
    assert "best C, worst F." in history  # the private A+ is not on the chart either
    assert client.get(f"/t/{hidden.target.token}/").status_code == 404


def test_a_site_known_only_from_private_scans_has_no_page(client):
    graded("example.com/", private=True)
    assert client.get("/s/example.com/").status_code == 404


def test_a_private_report_does_not_link_to_a_history(client):
    private = graded("example.com/", private=True)
    public = graded("example.com/other", private=False)

    assert "/t/" not in client.get(private.get_absolute_url()).content.decode()
    assert f"/t/{public.target.token}/" in client.get(public.get_absolute_url()).content.decode()


def test_a_private_submission_never_joins_or_reuses_a_public_scan(client):
    under_way = graded("example.com/", private=False, status=Scan.Status.PENDING, finished=None)
    just_graded = graded("example.com/done", private=False)

    first = scan_of(post(client, "example.com", private="on"))
    second = scan_of(post(client, "example.com/done", private="on"))

    assert first.pk != under_way.pk and first.private
    assert second.pk != just_graded.pk and second.private


def test_two_private_submissions_of_one_target_get_a_scan_each(client):
    first = scan_of(post(client, "example.com", private="on"))
    second = scan_of(post(client, "example.com", private="on"))
    assert first.pk != second.pk
    assert first.is_active and second.is_active


def test_a_public_submission_never_gets_a_private_scan(client):
    url = "https://example.com/"
    under_way = graded(url, private=True, status=Scan.Status.RUNNING, finished=None)
    just_graded = graded(f"{url}done", private=True, finished=timezone.now() - timedelta(seconds=5))

    first = scan_of(post(client, url))
    second = scan_of(post(client, f"{url}done"))

    assert first.pk != under_way.pk and not first.private
    assert second.pk != just_graded.pk and not second.private
    assert Scan.objects.filter(private=True).count() == 2
