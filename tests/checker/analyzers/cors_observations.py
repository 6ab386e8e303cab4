"""Build CORS Observations by hand: every probe of the real matrix answered by a responder,
in process, with no network. The responders are those of ``tests.checker.cors_sites``."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message
from urllib.parse import urljoin, urlsplit

from checker.analyze import cors
from checker.cors_matrix import cors_probes
from checker.model import Exchange, Finding, Headers, Observation, Request, Response
from checker.target import parse_target
from tests.targets import Answer, ReceivedRequest

PUBLIC_ADDRESS = "93.184.215.14"  # a global address; nothing connects to it

Responder = Callable[[ReceivedRequest], Answer]


def answer(
    responder: Responder,
    probe: str,
    method: str,
    url: str,
    headers: Headers = (),
    label: str | None = None,
    address: str = PUBLIC_ADDRESS,
) -> Exchange:
    message = Message()
    for name, value in headers:
        message[name] = value
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status, response_headers, body = responder(ReceivedRequest(method, path, message))
    return Exchange(
        probe,
        Request(method, url, headers),
        Response(status, tuple(response_headers), body=body.decode("utf-8", "replace")),
        address=address,
        origin_label=label,
    )


def observe(
    responder: Responder,
    url: str = "https://api.shop.example/",
    frontend: str | None = None,
    address: str = PUBLIC_ADDRESS,
) -> Observation:
    target = parse_target(url)
    main = answer(responder, "main.0", "GET", target.url, address=address)
    probes = tuple(
        answer(
            responder,
            spec.id,
            spec.method,
            urljoin(target.url, spec.path) if spec.path else target.url,
            spec.headers,
            spec.origin_label,
            address,
        )
        for spec in cors_probes(target, frontend, token="fixed")
    )
    return Observation(target, (main,), probes, frontend)


def findings(responder: Responder, **kwargs: object) -> dict[str, Finding]:
    """The CORS findings for a site, by id (each id appears at most once)."""
    found = list(cors.analyze(observe(responder, **kwargs)))  # type: ignore[arg-type]
    by_id = {finding.id: finding for finding in found}
    assert len(by_id) == len(found), "an id was emitted twice"
    return by_id
