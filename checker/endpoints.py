"""Whole-API scans: every endpoint of an API probed for CORS, one finding per problem across it.

What to probe comes as a list of paths (``GET,PUT /users/{id}``) or an OpenAPI 3 document (JSON or
YAML, read here without any network; a document given by URL is fetched by the engine through the
same guard, client and deadline as every other request of the scan). Each path's template is
filled with a harmless placeholder; the path is asked with the GET matrix of hostile origins and
one preflight per origin class for each of its methods, asking for that very method. The probes
run in the scan's own wave, on its one connection pool.

The CORS analyzers then judge each endpoint on its own, and a finding seen on several endpoints
becomes one finding that names them, at the worst severity seen: the grade counts it once.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from checker import netguard
from checker.analyze import cors
from checker.cors_matrix import (
    GET_PREFIX,
    PREFLIGHT_HEADERS,
    PREFLIGHT_PREFIX,
    probe_origins,
)
from checker.findings import row_for
from checker.model import (
    Endpoint,
    EndpointResult,
    Exchange,
    Finding,
    Observation,
    ProbeSpec,
)
from checker.target import TargetError, parse_target

# The methods a whole-API scan asks preflights for. OPTIONS and TRACE are not operations a page's
# script can ask for; CONNECT is not an HTTP method a fetch can use at all.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
OPENAPI_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Larger documents are refused: the biggest public API descriptions are a few MiB, and a scan
# reads only their paths.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_PATH_LENGTH = 1024
# The most endpoints one scan may be set to probe, whatever the setting asks (each costs about
# fifty requests).
MAX_ENDPOINTS = 200
# At most this many paths in a document or list are read at all (the scan probes far fewer).
MAX_LISTED = 5000
PLACEHOLDER = "1"
PLACEHOLDERS = {
    "integer": "1",
    "number": "1",
    "boolean": "true",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
PREFIX = "api."
_TEMPLATE = re.compile(r"\{([^{}/]*)\}")
_PATH_CHARS = re.compile(r"^/[A-Za-z0-9\-._~!$&'()*+,;=:@%/{}]*$")


class EndpointsError(ValueError):
    """A list of paths or an OpenAPI document that cannot be used; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ApiDocument:
    """What a whole-API scan takes from an OpenAPI document: enough to probe it and to say
    which document it was."""

    title: str
    version: str
    base_path: str  # the first server's path ("/v1"), "" when at the root
    endpoints: tuple[Endpoint, ...]
    operations: int

    @property
    def summary(self) -> str:
        name = self.title or "untitled API"
        version = f" {self.version}" if self.version else ""
        return f"{name}{version}: {len(self.endpoints)} paths, {self.operations} operations"


# ---- reading what was asked ------------------------------------------------------------------


def _check_path(path: str, where: str) -> str:
    if not path.startswith("/"):
        raise EndpointsError(f"{where}: a path starts with “/” (got “{path[:80]}”).")
    if len(path) > MAX_PATH_LENGTH:
        raise EndpointsError(f"{where}: a path is at most {MAX_PATH_LENGTH} characters long.")
    if "//" in path or not _PATH_CHARS.match(path):
        raise EndpointsError(
            f"{where}: “{path[:80]}” is not a URL path (letters, digits, “-._~/{{}}” and the "
            "like; no spaces, no query, no second slash)."
        )
    return path


def _merge(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """One entry per path, its methods in the order of METHODS, paths in the order given."""
    merged: dict[str, set[str]] = {}
    examples: dict[str, str | None] = {}
    for endpoint in endpoints:
        merged.setdefault(endpoint.path, set()).update(endpoint.methods)
        examples.setdefault(endpoint.path, endpoint.example)
    return tuple(
        Endpoint(path, tuple(m for m in METHODS if m in methods), examples[path])
        for path, methods in merged.items()
    )


def parse_paths(text: str) -> tuple[Endpoint, ...]:
    """A list of paths, one a line: ``/users``, ``GET,POST /users``, ``DELETE /users/{id}``.

    Without methods a path is probed with GET. Raises EndpointsError on a line it cannot use.
    """
    endpoints: list[Endpoint] = []
    for number, line in enumerate(str(text).splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"Line {number}"
        words = line.split()
        if len(words) > 2:
            raise EndpointsError(f"{where}: write “METHOD,METHOD /path”, or just “/path”.")
        methods: tuple[str, ...] = ("GET",)
        if len(words) == 2:
            methods = tuple(m.strip().upper() for m in words[0].split(",") if m.strip())
            unknown = [m for m in methods if m not in METHODS]
            if unknown or not methods:
                raise EndpointsError(
                    f"{where}: “{words[0][:40]}” is not a method list; use "
                    f"{', '.join(METHODS)}, separated by commas."
                )
        endpoints.append(Endpoint(_check_path(words[-1], where), methods))
        if len(endpoints) > MAX_LISTED:
            raise EndpointsError(f"A list holds at most {MAX_LISTED} paths.")
    if not endpoints:
        raise EndpointsError("The list of paths is empty.")
    return _merge(endpoints)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: an alias bomb is refused, not expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"aliases (*{event.anchor}) are not accepted in an API document")
        return super().compose_node(parent, index)


def load_document(data: bytes | str) -> Any:
    """The document's data, from JSON or YAML; raises EndpointsError when it is neither."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise EndpointsError(
            f"The OpenAPI document is {len(raw) // 1024} KiB; at most "
            f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB is read."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EndpointsError("The OpenAPI document is not UTF-8 text.") from exc
    if not text.strip():
        raise EndpointsError("The OpenAPI document is empty.")
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise EndpointsError(f"The OpenAPI document is not valid JSON: {exc}.") from exc
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 — a safe loader, aliases off
    except (yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EndpointsError(f"The OpenAPI document is not valid JSON or YAML: {first}.") from exc


def _text(value: Any) -> str:
    return value.strip()[:200] if isinstance(value, str) else ""


def _base_path(servers: Any) -> str:
    """The path of the first server (``https://api.example/v1`` → ``/v1``), variables filled
    with their defaults; the scan keeps its own target's origin."""
    if servers is None:
        return ""
    if not isinstance(servers, list):
        raise EndpointsError("“servers” must be a list.")
    if not servers:
        return ""
    first = servers[0]
    if not isinstance(first, dict) or not isinstance(first.get("url"), str):
        raise EndpointsError("Each entry of “servers” needs a “url”.")
    url = first["url"]
    variables = first.get("variables") if isinstance(first.get("variables"), dict) else {}

    def default(match: re.Match[str]) -> str:
        variable = variables.get(match.group(1))
        if isinstance(variable, dict) and isinstance(variable.get("default"), str):
            return variable["default"]
        raise EndpointsError(f"The server variable {{{match.group(1)}}} has no default.")

    url = _TEMPLATE.sub(default, url)
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    path = path.rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    return _check_path(path, "The first server's URL") if path else ""


def _parameter_types(*lists: Any) -> dict[str, str]:
    """Path parameter name → the placeholder its schema calls for."""
    found: dict[str, str] = {}
    for parameters in lists:
        if not isinstance(parameters, list):
            continue
        for parameter in parameters:
            if not isinstance(parameter, dict) or parameter.get("in") != "path":
                continue
            name = parameter.get("name")
            schema = parameter.get("schema")
            if not isinstance(name, str) or not isinstance(schema, dict):
                continue
            kind = schema.get("format") if schema.get("format") == "uuid" else schema.get("type")
            if isinstance(kind, str) and kind in PLACEHOLDERS:
                found[name] = PLACEHOLDERS[kind]
    return found


def parse_openapi(data: bytes | str) -> ApiDocument:
    """An OpenAPI 3 document (JSON or YAML) read for its servers, paths and methods.

    Raises EndpointsError with a sentence for anything that is not a usable OpenAPI 3 document.
    """
    document = load_document(data)
    if not isinstance(document, dict):
        raise EndpointsError("The OpenAPI document must be an object at the top.")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        if "swagger" in document:
            raise EndpointsError(
                "This is a Swagger 2 document; convert it to OpenAPI 3 (or give the paths)."
            )
        raise EndpointsError("The document has no “openapi: 3.x” field: it is not OpenAPI 3.")
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise EndpointsError("The OpenAPI document has no “paths” object.")
    if len(paths) > MAX_LISTED:
        raise EndpointsError(
            f"The document lists {len(paths)} paths; at most {MAX_LISTED} are read."
        )
    base = _base_path(document.get("servers"))
    endpoints: list[Endpoint] = []
    operations = 0
    for path, item in paths.items():
        if not isinstance(path, str):
            raise EndpointsError("Each key of “paths” must be a path.")
        _check_path(path, "In “paths”")
        if not isinstance(item, dict):
            raise EndpointsError(f"The path {path[:80]} must map to an object of operations.")
        methods = tuple(
            m.upper()
            for m in OPENAPI_METHODS
            if isinstance(item.get(m), dict) and m.upper() in METHODS
        )
        operations += sum(1 for m in OPENAPI_METHODS if isinstance(item.get(m), dict))
        if not methods:
            continue
        types = _parameter_types(
            item.get("parameters"), *(item[m.lower()].get("parameters") for m in methods)
        )
        example = base + fill(path, types)
        endpoints.append(Endpoint(base + path, methods, example if types else None))
    if not endpoints:
        raise EndpointsError("The OpenAPI document describes no operation a browser could call.")
    return ApiDocument(
        title=_text(info.get("title")),
        version=_text(info.get("version")),
        base_path=base,
        endpoints=_merge(endpoints),
        operations=operations,
    )


def fill(path: str, types: dict[str, str] | None = None) -> str:
    """The path with each ``{name}`` replaced by a harmless placeholder (``1`` unless the
    parameter's schema asks for another kind of value)."""
    types = types or {}
    return _TEMPLATE.sub(lambda m: types.get(m.group(1), PLACEHOLDER), path)


def cap(endpoints: Sequence[Endpoint], limit: int) -> tuple[tuple[Endpoint, ...], str | None]:
    """The endpoints to probe and, when the list was cut, a sentence that says so."""
    limit = min(max(0, int(limit)), MAX_ENDPOINTS)
    if len(endpoints) <= limit:
        return tuple(endpoints), None
    return tuple(endpoints[:limit]), (
        f"The API has {len(endpoints)} endpoints; the first {limit} were probed "
        f"(the limit of endpoints per scan is {limit})."
    )


# ---- probing ---------------------------------------------------------------------------------


def endpoint_prefix(index: int) -> str:
    return f"{PREFIX}{index}."


def endpoint_specs(
    url: str, endpoint: Endpoint, index: int, frontend: str | None
) -> list[ProbeSpec]:
    """The GET per origin class and, for each method, a preflight per main class asking for it."""
    target = parse_target(url)
    origins = probe_origins(target, frontend)
    prefix = endpoint_prefix(index)
    specs = [
        ProbeSpec(f"{prefix}{GET_PREFIX}{o.label}", "GET", (("Origin", o.origin),), o.label)
        for o in origins
    ]
    for method in endpoint.methods:
        specs.extend(
            ProbeSpec(
                f"{prefix}{method}.{PREFLIGHT_PREFIX}{o.label}",
                "OPTIONS",
                (
                    ("Origin", o.origin),
                    ("Access-Control-Request-Method", method),
                    ("Access-Control-Request-Headers", PREFLIGHT_HEADERS),
                ),
                o.label,
            )
            for o in origins
            if o.preflight
        )
    return specs


async def fetch_document(session: Any, url: str) -> bytes:
    """The OpenAPI document at ``url``, through the scan's guard, client and deadline."""
    # retrieve's own sentences and its capped, bounded body reader (retrieve imports this module)
    from checker.retrieve import _read_capped, describe_error

    try:
        parse_target(url)
        request = session.client.build_request(
            "GET", url, headers=[("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")]
        )
        await session.pin(request.url)
    except TargetError as exc:
        raise EndpointsError(
            f"The OpenAPI document's address is not usable: {exc.message}"
        ) from exc
    except httpx.InvalidURL as exc:
        raise EndpointsError(f"The OpenAPI document's address is not usable: {exc}.") from exc
    except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
        raise EndpointsError(f"The OpenAPI document was not fetched: {exc.message}") from exc
    async with session.semaphore:
        session.requests_sent += 1
        budget = session.budget()
        try:
            async with asyncio.timeout(budget):
                response = await session.client._send_single_request(request)
                try:
                    if response.status_code != 200:
                        where = response.headers.get("location")
                        moved = (
                            f" (it redirects to {where[:200]}; give that address)" if where else ""
                        )
                        raise EndpointsError(
                            f"The OpenAPI document at {url} answered {response.status_code}{moved}."
                        )
                    body, truncated, error = await _read_capped(response, MAX_DOCUMENT_BYTES)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            raise EndpointsError(
                f"The OpenAPI document at {url} did not arrive within {budget:.1f} s."
            ) from exc
        except (httpx.HTTPError, OSError) as exc:
            said = describe_error(exc, request.url, session.options.timeout)
            raise EndpointsError(f"The OpenAPI document was not fetched: {said}") from exc
    if error:
        raise EndpointsError(f"The OpenAPI document at {url} could not be read: {error}")
    if truncated:
        raise EndpointsError(
            f"The OpenAPI document at {url} is larger than "
            f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB."
        )
    return bytes(body)


@dataclass(frozen=True)
class Probed:
    endpoints: tuple[EndpointResult, ...] = ()
    exchanges: tuple[Exchange, ...] = ()
    note: str | None = None


async def probe(session: Any, observation: Observation) -> Probed:
    """Every endpoint asked for in ``session.options``, on the final page's origin."""
    options = session.options
    asked: Sequence[Endpoint] = options.endpoints
    notes: list[str] = []
    if options.openapi_url:
        try:
            asked = parse_openapi(await fetch_document(session, options.openapi_url)).endpoints
        except EndpointsError as exc:
            return Probed(note=exc.message)
    if not asked:
        return Probed()
    chosen, cut = cap(asked, options.max_endpoints)
    if cut:
        notes.append(cut)
    origin = parse_target(observation.final_url).origin
    credentials = session.main is not None and session.main.credentialed
    results: list[EndpointResult] = []
    batches = []
    for index, endpoint in enumerate(chosen):
        url = origin + (endpoint.example or fill(endpoint.path))
        specs = endpoint_specs(url, endpoint, index, options.frontend_origin)
        batches.append(session.send(url, specs, credentials=credentials))
        results.append(EndpointResult(endpoint.path, url, endpoint.methods))
    sent = await asyncio.gather(*batches)
    exchanges: list[Exchange] = []
    for i, answered in enumerate(sent):
        results[i] = replace(results[i], probes=tuple(e.probe for e in answered))
        exchanges.extend(answered)
    return Probed(tuple(results), tuple(exchanges), " ".join(notes) or None)


# ---- judging ---------------------------------------------------------------------------------


_ENDPOINT_PROBE = re.compile(r"^api\.[0-9]+\.(?:(?:GET|HEAD|POST|PUT|PATCH|DELETE)\.)?")


def local_id(probe_id: str) -> str:
    """``api.3.PUT.cors.preflight.self`` → ``cors.preflight.self``: the id the analyzers know.
    Any other probe id is its own."""
    return _ENDPOINT_PROBE.sub("", probe_id, count=1)


def endpoint_findings(
    observation: Observation, result: EndpointResult, index: int
) -> list[Finding]:
    """The CORS findings of one endpoint: each of its methods judged with the GETs and the
    preflights that asked for that method; exchanges cited by their scan-wide ids."""
    prefix = endpoint_prefix(index)
    mine = [e for e in observation.endpoint_probes if e.probe.startswith(prefix)]
    gets = [e for e in mine if local_id(e.probe).startswith(GET_PREFIX)]
    found: list[Finding] = []
    for method in result.methods or ("GET",):
        preflights = [e for e in mine if e.probe.startswith(f"{prefix}{method}.")]
        local = {local_id(e.probe): e.probe for e in (*gets, *preflights)}
        probes = tuple(replace(e, probe=local_id(e.probe)) for e in (*gets, *preflights))
        view = Observation(observation.target, chain=observation.chain, probes=probes)
        for f in cors.analyze(view):
            found.append(replace(f, exchanges=tuple(local.get(p, p) for p in f.exchanges)))
    return found


def judge(
    observation: Observation, findings: list[Finding]
) -> tuple[list[Finding], tuple[EndpointResult, ...]]:
    """The scan's findings with every endpoint's CORS findings folded in: one finding per id,
    at its worst, naming the endpoints where it holds; and the endpoints with their finding ids."""
    if not observation.endpoints:
        return findings, ()
    seen: dict[str, list[tuple[str, Finding]]] = {}
    order: list[str] = []
    main_path = urlsplit(observation.final_url).path or "/"
    for f in findings:
        seen.setdefault(f.id, []).append((main_path, f))
        order.append(f.id)
    results = []
    for index, result in enumerate(observation.endpoints):
        found = endpoint_findings(observation, result, index)
        results.append(replace(result, findings=tuple(dict.fromkeys(f.id for f in found))))
        for f in found:
            if f.id not in seen:
                order.append(f.id)
            seen.setdefault(f.id, []).append((result.path, f))
    merged = [_fold(seen[finding_id]) for finding_id in dict.fromkeys(order)]
    return sorted(merged, key=lambda f: (f.severity.rank, f.id)), tuple(results)


def _fold(items: list[tuple[str, Finding]]) -> Finding:
    first = items[0][1]
    if len(items) == 1 and not first.id.startswith("cors."):
        return first  # not a CORS finding: the endpoints do not judge it
    where = list(dict.fromkeys(path for path, _ in items))
    worst = min((f for _, f in items), key=lambda f: f.severity.rank)
    exchanges = tuple(dict.fromkeys(e for _, f in items for e in f.exchanges))
    # Each endpoint's own line may name its own values; when they differ, the catalogue's
    # line speaks for all of them and the facts of the worst one stay as the example.
    titles = {f.title for _, f in items}
    title = worst.title if len(titles) == 1 else row_for(worst.id).title
    if len(where) > 1:
        title = f"{title} (on {len(where)} endpoints)"
    return replace(
        worst,
        title=title,
        exchanges=exchanges,
        facts=worst.facts + (("endpoints", ", ".join(where)),),
    )
