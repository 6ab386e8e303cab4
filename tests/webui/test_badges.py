"""README badges: /badge/<scan or target token>.svg, the target's latest public grade."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from webui.models import Scan, Site, Target
from webui.views.badges import GRADE_COLOURS, NO_GRADE_COLOUR

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
SITE_CSS = "static/webui/site.css"


def scan(url: str = "https://example.com/", **fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    values = {"status": Scan.Status.DONE, "finished": timezone.now(), **fields}
    return Scan.objects.create(site=site, target_raw=url, target_url=url, **values)


def graded(grade: str, **fields) -> Scan:
    return scan(grade=grade, score=50, **fields)


def badge(client, token: str, **headers):
    return client.get(f"/badge/{token}.svg", headers=headers)


def drawn(response) -> tuple[str, list[str], list[str]]:
    """The badge's title, its texts and the fills of its rectangles, read as SVG."""
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title").text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("x") is not None]
    return title, texts, fills


@pytest.mark.parametrize("grade", ["A+", "A", "B", "C", "D", "F"])
def test_the_badge_shows_the_grade_in_its_colour(client, grade):
    response = badge(client, graded(grade).token)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    title, texts, fills = drawn(response)
    assert title == f"CORS Check: grade {grade}"
    assert texts == ["CORS Check", grade]
    assert fills == [GRADE_COLOURS[grade]]
    assert f'aria-label="CORS Check: grade {grade}"' in response.content.decode()


def test_the_badge_colours_are_the_sites_grade_colours():
    with open(SITE_CSS) as css:
        light = css.read().split("@media")[0]
    variables = dict(re.findall(r"--grade-([a-z-]+):\s*(#[0-9a-f]{6});", light))
    assert {
        grade.lower().replace("+", "-plus"): colour for grade, colour in GRADE_COLOURS.items()
    } == (variables)
    assert f"--muted: {NO_GRADE_COLOUR};" in light


def test_a_scan_token_shows_the_latest_public_grade_of_its_target(client):
    hour = timedelta(hours=1)
    first = graded("F", finished=timezone.now() - 2 * hour)
    graded("B", finished=timezone.now() - hour)
    graded("A+", private=True)  # newer, but private: it counts for nobody
    scan(status=Scan.Status.UNREACHABLE)  # no grade to show

    _, texts, _ = drawn(badge(client, first.token))
    assert texts[1] == "B"
    _, texts, _ = drawn(badge(client, first.target.token))
    assert texts[1] == "B"


def test_private_scans_and_unknown_tokens_have_no_badge(client):
    private = graded("A", private=True)

    assert badge(client, private.token).status_code == 404
    # A target known only from private scans: a badge must not tell that it was checked.
    assert badge(client, private.target.token).status_code == 404
    assert badge(client, "AAAAAAAAAAAA").status_code == 404
    assert client.get("/badge/short.svg").status_code == 404


def test_a_target_with_no_grade_yet_has_a_grey_not_checked_badge(client):
    pending = scan(status=Scan.Status.PENDING, finished=None)

    response = badge(client, pending.target.token)

    assert response.status_code == 200
    title, texts, fills = drawn(response)
    assert (title, texts, fills) == (
        "CORS Check: not checked yet",
        ["CORS Check", "not checked"],
        [NO_GRADE_COLOUR],
    )


def test_it_answers_a_matching_if_none_match_with_304_and_a_new_grade_with_a_new_etag(client):
    first = graded("C")
    response = badge(client, first.token)
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)

    again = badge(client, first.token, if_none_match=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == response["Cache-Control"]
    assert again["Cross-Origin-Resource-Policy"] == "cross-origin"

    graded("A")
    changed = badge(client, first.token, if_none_match=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_it_may_be_cached_for_five_minutes_and_embedded_by_any_site(client):
    response = badge(client, graded("B").token)

    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=300", "public"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Opened on its own, the SVG is still a document under our policy: no script may run.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # Everything else keeps our own pages' policy.
    assert client.get("/")["Cross-Origin-Resource-Policy"] == "same-origin"


def test_head_is_answered_and_post_is_not(client):
    token = graded("B").token

    assert client.head(f"/badge/{token}.svg").status_code == 200
    assert client.post(f"/badge/{token}.svg").status_code == 405


def test_a_public_report_offers_the_markdown_and_html_snippets(client, settings):
    settings.SITE_URL = "https://corscheck.example"
    done = graded("B", report=None)
    target = Target.objects.get(pk=done.target_id)

    html = client.get(done.get_absolute_url()).content.decode()

    image = f"https://corscheck.example/badge/{target.token}.svg"
    page = f"https://corscheck.example/t/{target.token}/"
    markdown = f"[![CORS Check grade of example.com]({image})]({page})"
    alt = "CORS Check grade of example.com"
    snippet = f'<a href="{page}"><img src="{image}" alt="{alt}" height="20"></a>'
    assert f'<textarea id="badge-markdown" rows="2" readonly spellcheck="false">{markdown}' in html
    escaped = snippet.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert f'<textarea id="badge-html" rows="2" readonly spellcheck="false">{escaped}' in html
    preview = f"/badge/{target.token}.svg"
    assert f'<img src="{preview}" alt="CORS Check grade of example.com" height="20">' in html


def test_a_private_or_unfinished_report_offers_no_badge(client):
    private = graded("A", private=True)
    pending = scan("https://example.com/other", status=Scan.Status.PENDING, finished=None)

    for shown in (private, pending):
        assert "badge-markdown" not in client.get(shown.get_absolute_url()).content.decode()
