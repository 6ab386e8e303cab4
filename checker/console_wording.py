"""What Firefox and WebKit (Safari's engine) write to the console when they block a fetch().

Recorded from the real browsers by the conformance suites (tests/conformance/test_firefox.py and
test_webkit.py check every line the browsers print against these templates; the raw lines per row
are in checker/browser_messages.json, rewritten by ``python -m tests.conformance.record``).
Chromium's wording lives with the simulator (checker.simulate.console_line).

``WORDING[engine][reason]`` is the tuple of lines the engine prints for a failure, in order, keyed
by the simulator's failure ids. Placeholders: ``{url}`` the URL the line is about, ``{origin}``
the origin the browser sent, ``{value}`` a response header's value as received, ``{header}`` a
request header's name (Firefox writes it lower-case, WebKit as the script spelled it),
``{method}``, ``{status}`` the response status, ``{page}`` the page's URL, ``{location}`` a
redirect's target. ``FOLLOW_UP[engine]`` is the closing line the engine adds after most failures.

Where an engine checks in another order than the standard it names another reason for the same
answer (WebKit says "Preflight response is not successful" for a failed preflight status before it
looks at Access-Control-Allow-Origin); ``line_reasons`` finds the reason a line stands for.
"""

from __future__ import annotations

import re

FIREFOX_BLOCKED = (
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource"
    " at {url}. (Reason: "
)

WORDING: dict[str, dict[str, tuple[str, ...]]] = {
    "firefox": {
        "allow-origin-missing": (
            FIREFOX_BLOCKED + "CORS header ‘Access-Control-Allow-Origin’ missing). Status code:"
            " {status}.",
        ),
        "allow-origin-mismatch": (
            FIREFOX_BLOCKED
            + "CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’).",
        ),
        "allow-origin-invalid": (
            FIREFOX_BLOCKED
            + "CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’).",
        ),
        "allow-origin-multiple": (
            FIREFOX_BLOCKED + "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).",
        ),
        "allow-origin-wildcard-credentials": (
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote"
            " resource at ‘{url}’. (Reason: Credential is not supported if the CORS header"
            " ‘Access-Control-Allow-Origin’ is ‘*’).",
        ),
        "allow-credentials": (
            FIREFOX_BLOCKED + "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).",
        ),
        "preflight-status": (
            FIREFOX_BLOCKED + "CORS preflight response did not succeed). Status code: {status}.",
        ),
        "preflight-redirect": (
            FIREFOX_BLOCKED + "CORS request external redirect not allowed).",
            FIREFOX_BLOCKED + "CORS preflight response did not succeed). Status code: {status}.",
        ),
        "preflight-allow-methods-invalid": (
            FIREFOX_BLOCKED + "invalid token ‘{value}’ in CORS header"
            " ‘Access-Control-Allow-Methods’).",
        ),
        "preflight-allow-headers-invalid": (
            FIREFOX_BLOCKED + "invalid token ‘{value}’ in CORS header"
            " ‘Access-Control-Allow-Headers’).",
        ),
        "preflight-method-not-allowed": (
            FIREFOX_BLOCKED + "Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
        ),
        "preflight-header-not-allowed": (
            FIREFOX_BLOCKED + "header ‘{header}’ is not allowed according to header"
            " ‘Access-Control-Allow-Headers’ from CORS preflight response).",
        ),
        "redirect-scheme": (FIREFOX_BLOCKED + "CORS request not http).",),
        "redirect-unsafe-scheme": (
            "Redirecting to data: URI not allowed (Blocked loading of: “{url}”)",
        ),
        "mixed-content": ("Blocked loading mixed active content “{url}”",),
        # Printed although the request goes through (Firefox 153 lets '*' cover Authorization).
        "warning-allow-headers-wildcard-authorization": (
            "Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote"
            " resource at {url} soon. (Reason: When the `Access-Control-Allow-Headers` is `*`, the"
            " `Authorization` header is not covered. To include the `Authorization` header, it"
            " must be explicitly listed in CORS header `Access-Control-Allow-Headers`).",
        ),
    },
    "webkit": {
        "allow-origin-missing": (
            "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
        ),
        "allow-origin-mismatch": (
            "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
        ),
        "allow-origin-invalid": (
            "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
        ),
        "redirect-allow-origin": (
            "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy:"
            " Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
        ),
        "allow-origin-multiple": (
            "Access-Control-Allow-Origin cannot contain more than one origin.",
        ),
        "allow-origin-wildcard-credentials": (
            "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
        ),
        "allow-credentials": (
            'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".',
        ),
        "preflight-status": ("Preflight response is not successful. Status code: {status}",),
        "preflight-redirect": ("Preflight response is not successful. Status code: {status}",),
        "preflight-allow-methods-invalid": (
            "Header Access-Control-Allow-Methods has an invalid value: {value}",
        ),
        "preflight-allow-headers-invalid": (
            "Header Access-Control-Allow-Headers has an invalid value: {value}",
        ),
        "preflight-method-not-allowed": (
            "Method {method} is not allowed by Access-Control-Allow-Methods.",
        ),
        "preflight-header-not-allowed": (
            "Request header field {header} is not allowed by Access-Control-Allow-Headers.",
        ),
        "redirect-credentials": (
            "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy:"
            " redirection URL {url} has credentials",
        ),
        "redirect-invalid-location": (
            "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy:"
            " not allowed to follow a cross-origin CORS redirection with non CORS scheme",
        ),
        "redirect-unsafe-scheme": (
            "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy:"
            " not allowed to follow a cross-origin CORS redirection with non CORS scheme",
        ),
        "redirect-scheme": ("FTP URLs are disabled",),
        "redirect-limit": ("Load cannot follow more than 20 redirections",),
        "mixed-content": (
            "[blocked] The page at {page} requested insecure content from {url}. This content was"
            " blocked and must be served over HTTPS.",
            "Not allowed to request resource",
        ),
    },
}

FOLLOW_UP = {
    "firefox": (FIREFOX_BLOCKED + "CORS request did not succeed). Status code: (null).",),
    "webkit": ("Fetch API cannot load {url} due to access control checks.",),
}

# What the script's promise rejects with, whatever the reason (fetch() argument errors aside).
SCRIPT_ERROR = {
    "firefox": "TypeError: NetworkError when attempting to fetch resource.",
    "webkit": "TypeError: Load failed",
}

_FIELD = re.compile(r"\{(\w+)\}")


def render(engine: str, reason: str, **values: str) -> tuple[str, ...]:
    """The lines ``engine`` prints for ``reason`` (without the follow-up line)."""
    return tuple(template.format(**values) for template in WORDING[engine][reason])


def _pattern(template: str) -> re.Pattern[str]:
    parts = _FIELD.split(template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z")


def line_reasons(engine: str, line: str) -> list[str]:
    """Every reason of ``engine`` one of whose templates matches ``line`` ("follow-up" for the
    closing line). WebKit cuts long console lines when it writes them out; a line that is a
    cut-off start of a template counts too."""
    found = []
    tables = [*WORDING[engine].items(), ("follow-up", FOLLOW_UP[engine])]
    for reason, templates in tables:
        for template in templates:
            if _pattern(template).match(line) or _cut_off(template, line):
                found.append(reason)
                break
    return found


def _cut_off(template: str, line: str) -> bool:
    if len(line) < 100:
        return False
    for cut in range(len(template), 0, -1):
        head = template[:cut]
        balanced = head.count("{") == head.count("}")
        if template[cut - 1] != " " and balanced and _pattern(head).match(line):
            return True
    return False
