"""Placeholder: an analyzer that finds nothing yet."""

from collections.abc import Iterable

from checker.model import Finding, Observation


def analyze(observation: Observation) -> Iterable[Finding]:
    return ()
