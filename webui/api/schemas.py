"""The shapes the API reads and writes; the OpenAPI document is generated from them.

Inputs are strict (a number is not a string, "yes" is not true) and take no unknown fields, so a
typo is an error instead of an option silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictStr

Profile = Literal["page", "api"]
ScanStatus = Literal["pending", "running", "done", "unreachable", "failed"]


class ScanRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    target: StrictStr = Field(
        description="A domain or URL, as the form on the home page takes it.",
        examples=["https://api.example.com/v1/users"],
    )
    frontend_origin: StrictStr = Field(
        "",
        description="The origin your web app calls the target from; empty for none.",
        examples=["https://app.example.com"],
    )
    profile: Profile | None = Field(
        None,
        description="Grade the answer as a page or as an API; null: by the kind of answer.",
    )
    private: StrictBool = Field(
        False, description="Listed nowhere, never shared with another request: only the link."
    )
    headers: list[StrictStr] = Field(
        default_factory=list,
        description="Extra request headers for an authenticated scan, one “Name: value” each, "
        "checked as the form checks its lines (line N is the Nth item). Sent on the main "
        "request and the actual-request CORS probes, never on preflights; never stored, logged "
        "or shown. An authenticated scan is always private and always new.",
        examples=[["Authorization: Bearer …"]],
    )
    paths: list[StrictStr] = Field(
        default_factory=list,
        description="A whole-API scan: endpoints to probe besides the target, each "
        "“/path” or “METHOD,METHOD /path” (item N is line N of the form's list). Templates "
        "such as {id} get a harmless placeholder; methods other than GET are asked only in "
        "preflights. At most the server's CHECKER_MAX_ENDPOINTS are probed; the report says "
        "when the list was cut. Give at most one of paths, openapi_url and openapi.",
        examples=[["/users", "GET,DELETE /users/{id}"]],
    )
    openapi_url: StrictStr = Field(
        "",
        description="A whole-API scan: the URL of an OpenAPI 3 document (JSON or YAML), "
        "fetched by the scan itself through the same address guard; every operation is probed.",
    )
    openapi: StrictStr = Field(
        "",
        description="A whole-API scan: an OpenAPI 3 document itself, as JSON or YAML text.",
    )


class Error(Schema):
    code: str = Field(description="Stable machine-readable code; see the API's documentation.")
    message: str = Field(description="A sentence for people; its wording may change.")
    field: str | None = Field(None, description="The field or parameter at fault, if one is.")


class ScanSummary(Schema):
    token: str = Field(description="The scan's public id.")
    url: str = Field(description="This scan in the API.")
    permalink: str = Field(description="The report page for people.")
    status: ScanStatus
    target: str = Field(description="What was scanned, as the scan stores it.")
    frontend_origin: str
    profile: Literal["", "page", "api"] = Field(description='"": by the kind of answer.')
    private: bool
    created: datetime
    finished: datetime | None
    grade: str | None = Field(description="A+ to F once done; null otherwise.")
    score: int | None
    message: str = Field(description="Why an unreachable or failed scan could not be judged.")
    api: dict[str, Any] = Field(
        default_factory=dict,
        description="What a whole-API scan was asked to probe: `endpoints` ([{path, methods}]) "
        "or `openapi_url`, with `source` and a `summary` line; {} for a plain scan.",
    )


class ScanAccepted(ScanSummary):
    new: bool = Field(
        description="False when a running or just-finished scan of the same target with the "
        "same options is given instead of a new one."
    )


class ScanDetail(ScanSummary):
    started: datetime | None
    history: str | None = Field(
        description="The page of this target's public scans; null for a private scan."
    )
    report: dict[str, Any] | None = Field(
        description="The engine's report (the JSON `python -m checker --json` prints), each "
        "finding with its catalogue row's title, meaning and area and `observed`, one sentence "
        "of what we saw with the real values; and `browsers`: what "
        "Chromium, Firefox and WebKit do with a frontend's usual requests (null when the scan "
        "did not end ok); null until the scan has one (done and unreachable scans have one)."
    )


class TargetOut(Schema):
    token: str
    url: str
    frontend_origin: str
    profile: Literal["", "page", "api"]
    history: str = Field(description="The page of this target's public scans.")


class History(Schema):
    url: str = Field(description="The URL as scans store it (normalised).")
    targets: list[TargetOut] = Field(
        description="Every target with public scans of this URL that the filters match: one "
        "per frontend origin and profile."
    )
    count: int = Field(description="How many public scans match, in all pages.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page, or null on the last one.")
    scans: list[ScanSummary] = Field(description="Newest first.")


class ComparedSide(Schema):
    status: str = Field(description="The engine's status of that report: ok, unreachable, …")
    grade: str | None
    score: int | None
    algorithm_version: int


class Change(Schema):
    kind: Literal["new", "fixed", "worse", "better", "unchanged"]
    id: str = Field(description="The finding's id in the catalogue.")
    subject: str = Field(description='What it is about (a cookie, an origin, a header); "": all.')
    title: str
    before: str | None = Field(description="The severity before; null for a new finding.")
    after: str | None = Field(description="The severity after; null for a fixed finding.")
    glossary: str = Field(description="The slug of the glossary entry that explains it.")


class Comparison(Schema):
    """checker.compare's comparison of the two reports (its to_dict()), and the two scans."""

    before: ComparedSide
    after: ComparedSide
    comparable: bool = Field(description="False when a side did not reach the site.")
    versions_differ: bool = Field(description="The reports were graded by different algorithms.")
    grade_changed: bool
    changed: bool = Field(description="Anything a subscriber to changes would hear about.")
    counts: dict[str, int] = Field(description="How many changes of each kind.")
    changes: list[Change] = Field(description="By kind, worst first within each kind.")
    before_scan: ScanSummary
    after_scan: ScanSummary
    permalink: str = Field(description="The comparison page for people.")
