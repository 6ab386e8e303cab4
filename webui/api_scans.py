"""What a whole-API scan was asked for, as a scan and its target store it.

``asked`` is a small JSON object: the endpoints to probe (a list of paths, or what an uploaded
or pasted OpenAPI document listed) or the URL of a document for the worker to fetch, plus a
line that says where they came from. A re-check of the target repeats it as it is. ``api_key``
names it in the uniqueness of targets and of running scans: a whole-API scan of a URL is not the
same target as a plain scan of it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from checker.model import Endpoint

PATHS = "paths"
DOCUMENT = "openapi"
DOCUMENT_URL = "openapi-url"


def asked(
    endpoints: tuple[Endpoint, ...] = (), openapi_url: str = "", *, source: str, summary: str = ""
) -> dict[str, Any]:
    data: dict[str, Any] = {"source": source, "summary": summary}
    if openapi_url:
        data["openapi_url"] = openapi_url
    else:
        data["endpoints"] = [endpoint.to_dict() for endpoint in endpoints]
    return data


def api_key(api: dict[str, Any] | None) -> str:
    """ "" for a plain scan; else 16 hex digits of what is probed (not of the summary line)."""
    if not api:
        return ""
    probed = {"endpoints": api.get("endpoints", []), "openapi_url": api.get("openapi_url", "")}
    text = json.dumps(probed, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def engine_fields(api: dict[str, Any] | None) -> dict[str, Any]:
    """The engine Options' fields for it."""
    if not api:
        return {}
    return {
        "endpoints": tuple(Endpoint.from_dict(e) for e in api.get("endpoints", ())),
        "openapi_url": api.get("openapi_url") or None,
    }


def description(api: dict[str, Any] | None) -> str:
    """One line for people: what the scan probed besides the target."""
    if not api:
        return ""
    if api.get("openapi_url"):
        return f"Every endpoint of the OpenAPI document at {api['openapi_url']}"
    count = len(api.get("endpoints", ()))
    what = api.get("summary") or f"{count} path{'s' if count != 1 else ''}"
    if api.get("source") == DOCUMENT:
        return f"Every endpoint of an OpenAPI document ({what})"
    return f"The endpoints listed ({what})"
