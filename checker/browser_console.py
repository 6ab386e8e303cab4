"""What each browser writes to the console, and what the script's promise rejects with.

The simulator decides *why* a request fails (a failure id such as ``allow-origin-missing``);
this module turns that into a browser's own words. The wording is data, recorded from the real
engines by the conformance suites (tests/conformance/) and kept in ``browser_console.json`` next
to this file: one table per engine, failure id -> template. A template may name ``{url}`` (the
URL that failed), ``{initial_url}`` (the URL the script asked for), ``{origin}`` (the origin the
request carried), ``{hint}`` (the value at fault, as the simulator reports it) and ``{status}``
(the status of the last answer, or 0 when none came), ``{sent_origin}`` (the Origin the failing
request carried: ``null`` after a tainting redirect), ``{location}`` (the redirect's target),
``{raw_location}`` (the Location as the server wrote it), ``{header}`` (a request header as the
script wrote it), ``{bad_item}`` (the first item of an Allow-Methods / Allow-Headers list that is
not a token), ``{hint_lower}`` and ``{raw_url}`` (the URL as the script passed it).

A failure with no recorded line gives ``None``: the simulator then says it does not know that
browser's wording rather than guessing it. Chromium's wording, with its own small rules (where it
puts "redirected from", which failures are only a ``net::`` line), lives in
``checker.simulate.console_line``; this module keeps Firefox's and WebKit's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).with_name("browser_console.json")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class ConsoleWording:
    """One engine's console lines and script errors, as templates keyed by failure id."""

    engine: str
    reasons: Mapping[str, str] = field(default_factory=dict)
    # The promise's rejection per failure id; "*" stands for every failure not listed.
    script_errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)  # lines printed for allowed requests
    recorded_with: str = ""  # the engine and version the lines were recorded from
    # Chromium's wording is a function with rules of its own; when set, it replaces ``reasons``
    # and the script errors the simulator built (Chromium's) are kept as they are.
    line: Callable[..., str | None] | None = None

    def failure(
        self,
        failure_id: str,
        *,
        url: str,
        initial_url: str,
        origin: str,
        hint: str = "",
        preflight: bool = False,
        status: int | None = None,
        redirect: bool = False,
        **context: str | bool,
    ) -> str | None:
        """The line (or lines, joined by newlines) for a failure; None when not recorded.

        A table may hold a variant for a failure at a preflight (``preflight:<id>``) or at a
        redirect (``redirect:<id>``: on a redirect's answer, or after following one)."""
        if self.line is not None:
            return self.line(
                failure_id,
                url=url,
                initial_url=initial_url,
                origin=origin,
                hint=hint,
                preflight=preflight,
            )
        keys = (
            *((f"preflight:{failure_id}",) if preflight else ()),
            *((f"redirect:{failure_id}",) if redirect else ()),
            failure_id,
        )
        template = next((self.reasons[key] for key in keys if key in self.reasons), None)
        if template is None:
            return None
        values = _Blank(
            url=url,
            initial_url=initial_url,
            origin=origin,
            sent_origin=context.get("sent_origin", origin),
            hint=hint,
            hint_lower=hint.lower(),
            status=status or 0,
            **{key: str(value) for key, value in context.items() if key != "sent_origin"},
        )
        return template.format_map(values)

    def script_error(
        self,
        failure_id: str,
        built: str | None,
        hint: str = "",
        raw_url: str = "",
        variant: str = "",
        **context: str | bool,
    ) -> str | None:
        """What the promise rejects with; ``built`` is the simulator's (Chromium's) text.

        A failure fetch() itself reports (``script-*``) needs its own entry; any other failure
        rejects with the engine's one network error, the entry ``*``. A ``variant`` names a
        narrower cause with an entry of its own, ``<variant>:<id>`` (``non-latin1`` for a header
        value beyond Latin-1, whose error may quote ``{char_index}`` and ``{char_code}``)."""
        if self.line is not None:
            return built
        keys = (*((f"{variant}:{failure_id}",) if variant else ()), failure_id)
        template = next((self.script_errors[k] for k in keys if k in self.script_errors), None)
        if template is None and not failure_id.startswith("script-"):
            template = self.script_errors.get("*")
        if template is None:
            return None
        values = {key: str(value) for key, value in context.items()}
        return template.format_map(
            _Blank(values, hint=hint, hint_lower=hint.lower(), raw_url=raw_url)
        )

    def warning(self, warning_id: str, *, url: str, origin: str) -> str | None:
        template = self.warnings.get(warning_id)
        if template is None:
            return None
        return template.format_map(_Blank(url=url, initial_url=url, origin=origin))

    @property
    def recorded(self) -> bool:
        return self.line is not None or bool(self.reasons)


def load(path: Path = DATA) -> dict[str, ConsoleWording]:
    """The recorded tables, one per engine; an engine the file does not have gets none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    return {
        engine: ConsoleWording(
            engine=engine,
            reasons=table.get("reasons", {}),
            script_errors=table.get("script_errors", {}),
            warnings=table.get("warnings", {}),
            recorded_with=table.get("recorded_with", ""),
        )
        for engine, table in data.items()
        if not engine.startswith("_")
    }


RECORDED = load()
FIREFOX = RECORDED.get("firefox", ConsoleWording("firefox"))
WEBKIT = RECORDED.get("webkit", ConsoleWording("webkit"))
