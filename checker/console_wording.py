"""What Firefox and WebKit (Safari's engine) write to the console when they block a fetch(),
line by line, for recognising the lines a real browser printed.

There is one table of Firefox's and WebKit's wording: checker/browser_console.json, which the
simulator reads (checker.browser_console). This module is a view of it for the conformance
suites (tests/conformance/test_firefox.py and test_webkit.py check every line the browsers print
against it; the raw lines per row are in checker/browser_messages.json, rewritten by
``python -m tests.conformance.record``). Chromium's wording lives with the simulator
(checker.simulate.console_line).

``WORDING[engine][reason]`` is the tuple of lines the engine prints for a failure, in order and
without the closing line, keyed by the simulator's failure ids; the lines of the table's
``preflight:<id>`` and ``redirect:<id>`` variants that differ follow (WebKit's "Cross-origin
redirection to … denied" for ``allow-origin-missing`` at a redirect). A warning printed for an
allowed request is ``warning-<id>``. Placeholders are checker.browser_console's (``{url}``,
``{hint}``, ``{status}``, ``{header}``, ...). ``FOLLOW_UP[engine]`` is the closing line (or
lines) the engine adds after most failures: a line that ends the templates of more than one
failure.

Where an engine checks in another order than the standard it names another reason for the same
answer (WebKit says "Preflight response is not successful" for a failed preflight status before it
looks at Access-Control-Allow-Origin); ``line_reasons`` finds the reason a line stands for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from checker.browser_console import RECORDED, ConsoleWording


def _follow_up(wording: ConsoleWording) -> tuple[str, ...]:
    ending: dict[str, set[str]] = {}
    for key, template in wording.reasons.items():
        if "\n" in template:
            ending.setdefault(template.rsplit("\n", 1)[1], set()).add(key.rpartition(":")[2])
    return tuple(line for line, reasons in ending.items() if len(reasons) > 1)


def _wording(wording: ConsoleWording, closing: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for key, template in wording.reasons.items():
        lines = table.setdefault(key.rpartition(":")[2], [])
        for line in template.split("\n"):
            if line not in closing and line not in lines:
                lines.append(line)
    for key, template in wording.warnings.items():
        table[f"warning-{key}"] = template.split("\n")
    return {reason: tuple(lines) for reason, lines in table.items()}


ENGINES = ("firefox", "webkit")
FOLLOW_UP: dict[str, tuple[str, ...]] = {
    engine: _follow_up(RECORDED.get(engine, ConsoleWording(engine))) for engine in ENGINES
}
WORDING: dict[str, dict[str, tuple[str, ...]]] = {
    engine: _wording(RECORDED.get(engine, ConsoleWording(engine)), FOLLOW_UP[engine])
    for engine in ENGINES
}

# What the script's promise rejects with, whatever the reason (fetch() argument errors aside).
SCRIPT_ERROR = {
    engine: RECORDED[engine].script_errors.get("*", "") for engine in ENGINES if engine in RECORDED
}

_FIELD = re.compile(r"\{(\w+)\}")


def render(engine: str, reason: str, **values: str) -> tuple[str, ...]:
    """The lines ``engine`` prints for ``reason`` (without the follow-up line)."""
    return tuple(template.format(**values) for template in WORDING[engine][reason])


@lru_cache(maxsize=8192)
def _pattern(template: str) -> re.Pattern[str]:
    parts = _FIELD.split(template)
    seen: set[str] = set()
    regex = ""
    for index, part in enumerate(parts):
        if index % 2 == 0:
            regex += re.escape(part)
        elif part in seen:
            regex += f"(?P={part})"
        else:
            seen.add(part)
            regex += f"(?P<{part}>.+?)"
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
