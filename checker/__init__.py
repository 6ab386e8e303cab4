"""The CORS & security-header checker engine: a pure library with no Django import.

    from checker import scan, Options
    report = scan("example.com", Options())

``scan`` parses the target, guards the network, retrieves every probe concurrently, runs the
analyzers and grades the result. It never raises for anything a target or a user can cause: those
end as a ``Report`` with a non-OK ``status`` and a human ``message``.
"""

from checker.engine import scan, scan_async
from checker.model import Finding, Options, Report, Severity, Status, Target
from checker.target import TargetError, parse_target

__all__ = [
    "Finding",
    "Options",
    "Report",
    "Severity",
    "Status",
    "Target",
    "TargetError",
    "parse_target",
    "scan",
    "scan_async",
]
