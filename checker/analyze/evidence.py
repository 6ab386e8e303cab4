"""How analyzers quote what they saw: header values can be huge or hold control characters."""

from __future__ import annotations

from checker.model import Exchange, Observation, Response

TITLE_LIMIT = 60
FACT_LIMIT = 300


def quote(value: str, limit: int = FACT_LIMIT) -> str:
    """A value made safe to show: control characters escaped, cut at ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value[: limit + 1])
    if len(shown) > limit:
        return shown[: limit - 1] + "…"
    return shown


def short(value: str) -> str:
    """A value short enough for a one-line title."""
    return quote(value, TITLE_LIMIT)


def final_response(observation: Observation) -> tuple[Exchange, Response] | None:
    """The final exchange and its response, or None when there is nothing to judge."""
    if not observation.chain:
        return None
    final = observation.final
    if final.response is None:
        return None
    return final, final.response


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 cookie``, ``2 cookies``; ``many`` for a plural that is not the word plus s."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
