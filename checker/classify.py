"""What kind of answer the final response is, and so which grading profile fits it.

A document (HTML, XHTML, SVG: something a browser renders and runs scripts in) is graded as a
page. An API or data answer (JSON, ``+json``, XML, text, binary) is graded as an API, after the
OWASP REST Security Cheat Sheet: the checks that protect a page's scripts do not apply to it. An
error (4xx, 5xx) is graded by the type of its body, and the report says it is about an error page;
a redirect that leads nowhere is graded as a page, the stricter profile, since there is no body
whose type could say otherwise. A pure function of the response: no network, no state.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.findings import API, PAGE
from checker.model import Report, Response

DOCUMENT = "document"
DATA = "api"
REDIRECT = "redirect"
ERROR = "error"

# Media types a browser renders as a document, where scripts run and framing matters.
DOCUMENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
PROFILE_NAMES = {PAGE: "a page", API: "an API answer"}


@dataclass(frozen=True)
class Classification:
    kind: str  # DOCUMENT, DATA, REDIRECT or ERROR
    profile: str  # the profile that fits: PAGE or API
    reason: str  # one sentence saying why, for the report
    status: int
    media_type: str  # "" when the answer named none


def media_type(response: Response) -> str:
    value = response.header("content-type") or ""
    return value.split(";", 1)[0].strip(" \t").lower()


def _profile_by_type(media: str) -> str:
    return PAGE if not media or media in DOCUMENT_TYPES else API


def _type_words(media: str) -> str:
    return f"({media})" if media else "(no Content-Type)"


def classify(response: Response) -> Classification:
    media = media_type(response)
    status = response.status
    if 300 <= status < 400:
        return Classification(
            REDIRECT,
            PAGE,
            f"The address ends in a redirect ({status}) we could not follow, so there is no "
            "content to judge by its type; it is graded as a page, the stricter profile.",
            status,
            media,
        )
    profile = _profile_by_type(media)
    if status >= 400:
        return Classification(
            ERROR,
            profile,
            f"The address answered {status}, an error; its body {_type_words(media)} is graded "
            f"as {PROFILE_NAMES[profile]}.",
            status,
            media,
        )
    if not media:
        reason = (
            "The answer names no Content-Type, so a browser may sniff it as a page; it is "
            "graded as a page."
        )
        return Classification(DOCUMENT, PAGE, reason, status, media)
    if profile == PAGE:
        reason = f"The answer is a document {_type_words(media)}, so it is graded as a page."
        return Classification(DOCUMENT, PAGE, reason, status, media)
    reason = (
        f"The answer is data {_type_words(media)}, not a page, so it is graded as an API answer: "
        "checks that protect a page's scripts do not apply."
    )
    return Classification(DATA, API, reason, status, media)


def choose_profile(found: Classification, requested: str | None) -> tuple[str, str]:
    """The profile to grade by and why: the one asked for, else the one that fits."""
    if requested is None or requested == found.profile:
        return found.profile, found.reason
    return requested, (
        f"Graded as {PROFILE_NAMES[requested]} because that was asked for; by its type the "
        f"answer would be graded as {PROFILE_NAMES[found.profile]}."
    )


def error_warning(report: Report) -> str | None:
    """The sentence that says a report is about an error page, or None when it is not."""
    if report.response_kind != ERROR or not report.chain:
        return None
    response = report.exchange(report.chain[-1]).response
    status = response.status if response else "an error"
    return (
        f"This address answered {status}: did you mean to scan another URL? Its headers are "
        "still judged, and the grade is about this error page."
    )
