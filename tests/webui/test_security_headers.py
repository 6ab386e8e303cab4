import pytest

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def home(client):
    return client.get("/", secure=True)


def test_it_sends_hsts_for_a_year_with_subdomains_and_preload(home):
    assert home["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_it_sends_the_simple_security_headers(home):
    assert home["X-Content-Type-Options"] == "nosniff"
    assert home["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert home["Cross-Origin-Opener-Policy"] == "same-origin"
    assert home["X-Frame-Options"] == "DENY"


def test_it_switches_off_powerful_features_with_a_permissions_policy(home):
    features = dict(item.split("=") for item in home["Permissions-Policy"].split(", "))
    assert features["camera"] == "()"
    assert features["geolocation"] == "()"
    assert features["microphone"] == "()"


def test_its_csp_allows_only_its_own_scripts_with_this_responses_nonce(home):
    policy = directives(home["Content-Security-Policy"])
    nonce = next(v for v in policy["script-src"] if v.startswith("'nonce-"))[7:-1]

    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in home["Content-Security-Policy"]
    assert f'src="/static/django_htmx/htmx-2.min.js" defer nonce="{nonce}"' in home.content.decode()


def test_the_nonce_changes_on_every_response(client):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert first != second


def test_its_pages_carry_no_inline_script_or_style(home):
    html = home.content.decode()
    assert "<script>" not in html
    assert "<style" not in html
    assert " style=" not in html
    # htmx would add an inline <style> for its indicators; the page switches that off.
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false,' in html


def test_its_cookies_are_secure_and_hidden_from_scripts(home):
    cookie = home.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_report_partial_carries_the_headers_too(client):
    from webui.models import Scan, Site

    site = Site.objects.create(host="example.com")
    scan = Scan.objects.create(site=site, target_raw="x", target_url="https://example.com/")
    response = client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"}, secure=True)

    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
