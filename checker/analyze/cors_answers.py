"""How the CORS analyzers read a probe's answer: the request kind, the origin sent and the CORS
response headers as a browser would parse them (Fetch standard), without judging anything."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from checker.analyze.evidence import quote
from checker.cors_matrix import (
    ERROR_PREFIX,
    GET_PREFIX,
    PREFLIGHT_PREFIX,
    PRIVATE_NETWORK_PREFIX,
    origin_family,
)
from checker.cors_vocabulary import (  # noqa: F401  (re-exported: the analyzers import them here)
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    HeaderList,
    combined,
    is_true,
    parse_list,
    strip,
)
from checker.model import Exchange, Observation, Response

GET = "get"
PREFLIGHT = "preflight"
PRIVATE_NETWORK = "private-network"
ERROR = "error"

_KINDS = (
    (GET_PREFIX, GET),
    (PREFLIGHT_PREFIX, PREFLIGHT),
    (PRIVATE_NETWORK_PREFIX, PRIVATE_NETWORK),
    (ERROR_PREFIX, ERROR),
)


def kind_of(probe: str) -> str | None:
    for prefix, kind in _KINDS:
        if probe.startswith(prefix):
            return kind
    return None


@dataclass(frozen=True)
class Answer:
    """One CORS probe that got a response."""

    exchange: Exchange
    response: Response
    kind: str
    label: str | None
    origin: str | None

    @property
    def probe(self) -> str:
        return self.exchange.probe

    @property
    def family(self) -> str | None:
        return origin_family(self.label)

    @property
    def status(self) -> int:
        return self.response.status

    @cached_property
    def allow_origin(self) -> tuple[str, ...]:
        return tuple(strip(value) for value in self.response.header_all(ACAO))

    @property
    def has_cors(self) -> bool:
        return bool(self.allow_origin)

    @property
    def single_allow_origin(self) -> str | None:
        """The value a browser would compare, or None when it would fail on the header count."""
        return self.allow_origin[0] if len(self.allow_origin) == 1 else None

    @property
    def echoes(self) -> bool:
        """The answer names the very origin that was sent (and a browser would accept that)."""
        return self.origin is not None and combined(self.allow_origin) == self.origin

    @property
    def wildcard(self) -> bool:
        return self.single_allow_origin == "*"

    @property
    def allows(self) -> bool:
        return self.echoes or self.wildcard

    @cached_property
    def allow_credentials(self) -> str | None:
        return combined(self.response.header_all(ACAC))

    @property
    def credentials(self) -> bool:
        # Fetch compares the value with `true` byte for byte: `True` or `true, true` do not count.
        return is_true(self.response.header_all(ACAC))

    def header(self, name: str) -> str | None:
        return self.response.header(name)

    def header_list(self, name: str) -> HeaderList:
        return parse_list(self.response.header_all(name))

    def header_combined(self, name: str) -> str | None:
        """The header as a browser reads it: every value, joined with ", "."""
        return combined(self.response.header_all(name))

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The evidence a reader needs: what we sent and what the CORS headers said."""
        return (
            ("probe", self.probe),
            ("origin sent", quote(self.origin or "(none)")),
            ("status", str(self.status)),
            (ACAO, quote(", ".join(self.allow_origin)) if self.allow_origin else "(absent)"),
            (ACAC, quote(self.allow_credentials) if self.allow_credentials else "(absent)"),
        )


def answers(observation: Observation) -> tuple[Answer, ...]:
    """Every CORS probe that got a response, in the order the engine listed them."""
    found: list[Answer] = []
    for exchange in observation.probes:
        kind = kind_of(exchange.probe)
        if kind is None or exchange.response is None:
            continue
        origin = exchange.request.header("origin")
        found.append(Answer(exchange, exchange.response, kind, exchange.origin_label, origin))
    return tuple(found)


def find(items: tuple[Answer, ...], kind: str, label: str) -> Answer | None:
    for answer in items:
        if answer.kind == kind and answer.label == label:
            return answer
    return None


def probe_ids(items: list[Answer] | tuple[Answer, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(answer.probe for answer in items))
