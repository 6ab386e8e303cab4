"""The engine tells its caller each step of a scan as it happens (Options.progress)."""

from dataclasses import replace

from checker import scan
from checker.model import Progress, Status


def test_a_scan_tells_its_steps_in_order_and_counts_its_probes(target_server, checker_options):
    told: list[Progress] = []

    report = scan(target_server.url, replace(checker_options, progress=told.append))

    assert report.status is Status.OK
    steps = [p.step for p in told]
    firsts = [step for index, step in enumerate(steps) if step not in steps[:index]]
    assert firsts == ["resolving", "answered", "probing", "analysing"]
    assert steps[-1] == "analysing"
    probing = [p for p in told if p.step == "probing"]
    answered = [p.answered for p in probing]
    assert answered == sorted(answered)  # it only goes up
    last = probing[-1]
    assert last.answered == last.planned > 10
    # Every probe the engine counted was a request the server received.
    assert len(target_server.requests) >= last.planned


def test_an_unreachable_site_never_gets_past_the_first_step(checker_options):
    told: list[Progress] = []

    report = scan("http://127.0.0.1:9/", replace(checker_options, progress=told.append))

    assert report.status is Status.UNREACHABLE
    assert [p.step for p in told] == ["resolving"]
