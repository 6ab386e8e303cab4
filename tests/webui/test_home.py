import pytest

from webui.models import Scan, Site

pytestmark = pytest.mark.django_db

BAD_INPUTS = {
    "empty": ("", "Enter a domain or a URL"),
    "spaces": ("exa mple.com", "cannot contain spaces"),
    "javascript": ("javascript:alert(1)", "Only http and https"),
    "private address": ("http://10.0.0.5/", "not a public address"),
    "loopback address": ("127.0.0.1", "not a public address"),
    "too long": ("a" * 3000 + ".com", "too long"),
    "path without host": ("/just/a/path", "path without a host"),
}


def post(client, target, **extra):
    return client.post("/", {"target": target, **extra})


def test_it_shows_the_form(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<label for="id_target">Domain or URL</label>' in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


@pytest.mark.parametrize(
    "typed, expected_url",
    [
        # Without a scheme, what is stored keeps none: the scan starts over http:// as typed.
        ("example.com", "example.com/"),
        ("https://api.example.com/v1/users?x=1", "https://api.example.com/v1/users?x=1"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("bücher.example", "xn--bcher-kva.example/"),
    ],
)
def test_it_queues_one_pending_scan_and_redirects_to_its_report(
    client, django_capture_on_commit_callbacks, typed, expected_url
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, typed)

    scan = Scan.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/r/{scan.token}/"
    assert scan.status == Scan.Status.PENDING
    assert scan.target_raw == typed
    assert scan.target_url == expected_url
    assert len(callbacks) == 1  # run_scan, sent once the row is committed


def test_it_records_the_site_by_its_punycode_host(client):
    post(client, "https://BÜCHER.example/x")
    assert Site.objects.get().host == "xn--bcher-kva.example"


def test_two_scans_of_one_host_share_the_site(client):
    post(client, "example.com")
    post(client, "https://example.com/other")
    assert Site.objects.count() == 1
    assert Site.objects.get().scans.count() == 2


def test_it_stores_the_frontend_origin_in_its_normal_form(client):
    post(client, "api.example.com", frontend_origin="HTTPS://App.Example.com:443")
    assert Scan.objects.get().frontend_origin == "https://app.example.com"


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_it_explains_bad_input_inline_and_queues_nothing(
    client, django_capture_on_commit_callbacks, name
):
    typed, message = BAD_INPUTS[name]
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_target_helptext id_target_error"' in html
    assert 'id="id_target_error"' in html
    assert not Scan.objects.exists()
    assert not Site.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(
    "origin, message",
    [
        ("https://app.example.com/login", "no path"),
        ("app.example.com", "starts with http"),
        ("ftp://app.example.com", "http and https"),
    ],
)
def test_it_rejects_a_frontend_origin_that_is_not_an_origin(client, origin, message):
    response = post(client, "example.com", frontend_origin=origin)

    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_frontend_origin_helptext id_frontend_origin_error"' in html
    assert '<details class="more-options" open>' in html
    assert not Scan.objects.exists()


def test_a_loopback_address_is_accepted_when_the_setting_allows_it(client, settings):
    settings.CHECKER_ALLOW_NETWORKS = ("127.0.0.0/8",)
    response = post(client, "http://127.0.0.1:8000/")
    assert response.status_code == 303


def test_the_form_refuses_a_post_without_a_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/", {"target": "example.com"})
    assert response.status_code == 403
    assert not Scan.objects.exists()
