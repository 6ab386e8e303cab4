"""The CORS probe matrix: which origins and requests the engine sends. Data first, then code."""

from __future__ import annotations

from checker.model import ProbeSpec, Target

ARBITRARY_ORIGIN = "https://evil.example"

PREFLIGHT_METHOD = "PUT"
PREFLIGHT_HEADERS = "content-type, authorization"


def cors_probes(target: Target, frontend_origin: str | None = None) -> list[ProbeSpec]:
    """The probes for one final URL: a GET and a preflight per origin."""
    origins = [("arbitrary", ARBITRARY_ORIGIN)]
    specs: list[ProbeSpec] = []
    for label, origin in origins:
        specs.append(ProbeSpec(f"cors.get.{label}", "GET", (("Origin", origin),), label))
        specs.append(
            ProbeSpec(
                f"cors.preflight.{label}",
                "OPTIONS",
                (
                    ("Origin", origin),
                    ("Access-Control-Request-Method", PREFLIGHT_METHOD),
                    ("Access-Control-Request-Headers", PREFLIGHT_HEADERS),
                ),
                label,
            )
        )
    return specs
