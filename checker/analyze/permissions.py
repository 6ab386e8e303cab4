"""Permissions-Policy: does the page switch off browser features it does not use?

Several header fields are one dictionary joined with commas (RFC 9651). The older Feature-Policy
header has a different syntax and current browsers no longer read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.analyze.evidence import final_response, plural, quote, short
from checker.findings import finding
from checker.headers import permissions
from checker.model import Finding, Observation

HEADER = "permissions-policy"
LEGACY = "feature-policy"


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    return list(_judge(response.header_all(HEADER), response.header_all(LEGACY), (final.probe,)))


def _judge(values: list[str], legacy: list[str], cite: tuple[str, ...]) -> Iterator[Finding]:
    if not values:
        if legacy:
            yield finding(
                "permissions.legacy-feature-policy",
                "Only the old Feature-Policy header is sent; current browsers read "
                "Permissions-Policy instead",
                cite,
                (("feature-policy", quote(", ".join(legacy))),),
            )
        else:
            yield finding(
                "permissions.missing",
                "No Permissions-Policy: browser features such as camera or geolocation are "
                "not switched off",
                cite,
            )
        return
    combined = ", ".join(values)
    policy = permissions.parse(combined)
    raw = (HEADER, quote(combined))
    if not policy.valid:
        yield finding(
            "permissions.malformed",
            "Permissions-Policy is not a valid structured dictionary, so browsers ignore it",
            cite,
            (raw, ("error", quote(policy.error or ""))),
        )
        return
    if policy.invalid:
        feature, member = policy.invalid[0]
        yield finding(
            "permissions.invalid-allowlist",
            f"Permissions-Policy {short(feature)} lists {short(member)}, which browsers skip "
            "(origins must be quoted strings)",
            cite,
            (raw, *(("skipped", quote(f"{f}={m}")) for f, m in policy.invalid[:10])),
        )
    if not policy.features:
        yield finding(
            "permissions.missing",
            "Permissions-Policy is empty, so no browser feature is switched off",
            cite,
            (raw,),
        )
        return
    disabled = [name for name, members in policy.features if not members]
    yield finding(
        "permissions.ok",
        f"Permissions-Policy sets {plural(len(policy.features), 'feature')} and switches off "
        f"{len(disabled)}",
        cite,
        (raw, ("disabled", quote(" ".join(disabled)))),
    )
