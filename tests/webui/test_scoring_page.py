import pytest
from django.utils.html import escape

from checker import findings, scoring

pytestmark = pytest.mark.django_db


def test_the_scoring_page_lists_every_finding_id_with_its_modifier(client):
    html = client.get("/scoring/").content.decode()
    for finding_id, modifier in scoring.SCORE_TABLE.items():
        row = html[html.index(f'<tr id="{finding_id}">') :]
        row = row[: row.index("</tr>")]
        assert f'<td class="num" data-label="Points">{modifier:+d}</td>' in row


def test_the_scoring_page_shows_cutoffs_caps_and_the_version(client):
    html = client.get("/scoring/").content.decode()
    assert f"algorithm version {scoring.ALGORITHM_VERSION}" in html
    for cutoff, letter in scoring.GRADE_CUTOFFS:
        assert f'<tr><th scope="row">{letter}</th><td>{cutoff} ' in html
    for finding_id, letter in scoring.GRADE_CAPS.items():
        assert f'<tr><th scope="row"><code>{finding_id}</code></th><td>{letter}</td></tr>' in html


def test_the_scoring_page_links_ids_to_their_glossary_entries(client):
    html = client.get("/scoring/").content.decode()
    row = html[html.index('<tr id="cors.reflect-origin">') :]
    assert 'href="/glossary/mistake-reflected-origin/"' in row[: row.index("</tr>")]


def test_every_row_of_the_scoring_page_has_a_title_a_severity_and_an_entry(client):
    html = client.get("/scoring/").content.decode()
    table = html[html.index('id="modifiers-title"') :]
    assert "—" not in table
    for row in findings.ROWS:
        shown = table[table.index(f'<tr id="{row.id}">') :]
        shown = shown[: shown.index("</tr>")]
        assert escape(row.title) in shown
        assert f"count--{row.severity}" in shown
        assert f'href="/glossary/{row.glossary}/"' in shown
