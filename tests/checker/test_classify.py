"""Which kind of answer the final response is, and the profile it is graded by."""

import pytest

from checker.classify import API, DATA, DOCUMENT, ERROR, PAGE, REDIRECT, choose_profile, classify
from checker.model import Response


def answer(content_type: str | None = None, status: int = 200) -> Response:
    headers = (("Content-Type", content_type),) if content_type is not None else ()
    return Response(status=status, headers=headers, body="x")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "text/html; charset=utf-8",
        "TEXT/HTML",
        "application/xhtml+xml",
        "image/svg+xml",
    ],
)
def test_html_and_other_documents_are_graded_as_pages(content_type):
    found = classify(answer(content_type))
    assert (found.kind, found.profile) == (DOCUMENT, PAGE)
    assert "graded as a page" in found.reason


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/problem+json; charset=utf-8",
        "application/xml",
        "text/xml",
        "text/plain",
        "text/csv",
        "application/octet-stream",
        "image/png",
    ],
)
def test_json_xml_text_and_binary_are_graded_as_api_answers(content_type):
    found = classify(answer(content_type))
    assert (found.kind, found.profile) == (DATA, API)
    assert content_type.split(";")[0].lower() in found.reason
    assert "API answer" in found.reason


def test_an_answer_without_a_content_type_is_graded_as_a_page_because_browsers_sniff_it():
    found = classify(answer(None))
    assert (found.kind, found.profile, found.media_type) == (DOCUMENT, PAGE, "")
    assert "no Content-Type" in found.reason


@pytest.mark.parametrize(("status", "content_type", "profile"), [
    (404, "text/html", PAGE), (500, "application/json", API), (503, None, PAGE),
])  # fmt: skip
def test_an_error_is_an_error_graded_by_the_type_of_its_body(status, content_type, profile):
    found = classify(answer(content_type, status))
    assert (found.kind, found.profile, found.status) == (ERROR, profile, status)
    assert f"answered {status}" in found.reason


def test_a_redirect_that_leads_nowhere_is_graded_as_a_page():
    found = classify(Response(status=302, headers=(("Location", "/"),)))
    assert (found.kind, found.profile) == (REDIRECT, PAGE)


def test_a_chosen_profile_wins_and_the_reason_says_it_was_chosen():
    found = classify(answer("text/html"))
    assert choose_profile(found, None) == (PAGE, found.reason)
    assert choose_profile(found, PAGE) == (PAGE, found.reason)
    profile, reason = choose_profile(found, API)
    assert profile == API
    assert "asked for" in reason and "a page" in reason
