"""What one address answered unlike another, and how the findings of several addresses combine:
hand-built observations and findings, no network."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

from checker import scoring
from checker.addresses import AddressScan, Others, differences, judge, merge, probe_id
from checker.analyze import run_analyzers
from checker.findings import finding
from checker.model import AddressResult, Exchange, Observation, Report, Request, Response
from tests.checker.analyzers.build import exchange, target

URL = "https://api.example.com/data"


def probe(probe_id: str, headers=(), status=200) -> Exchange:
    return Exchange(
        probe_id,
        Request("GET", URL, (("Origin", "https://evil.example"),)),
        Response(status, tuple(headers)),
        origin_label="arbitrary",
    )


def observation(page_headers=(), probes=(), status=200) -> Observation:
    return Observation(
        target=target(URL),
        chain=(exchange(URL, page_headers, status=status),),
        probes=tuple(probes),
    )


def test_the_same_answers_make_no_difference():
    page = [("Strict-Transport-Security", "max-age=63072000"), ("Date", "Mon")]
    one = observation(page, [probe("cors.get.arbitrary")])
    other = observation(
        [("Strict-Transport-Security", "max-age=63072000"), ("Date", "Tue")],
        [probe("cors.get.arbitrary")],
    )
    assert differences(one, other) == ()


def test_a_cors_header_on_one_probe_is_a_difference():
    one = observation(probes=[probe("cors.get.arbitrary"), probe("cors.get.null")])
    reflected = [
        ("Access-Control-Allow-Origin", "https://evil.example"),
        ("Access-Control-Allow-Credentials", "true"),
    ]
    other = observation(probes=[probe("cors.get.arbitrary", reflected), probe("cors.get.null")])
    found = differences(one, other)
    assert [(d.probe, d.header, d.first, d.here) for d in found] == [
        ("cors.get.arbitrary", "access-control-allow-origin", None, "https://evil.example"),
        ("cors.get.arbitrary", "access-control-allow-credentials", None, "true"),
    ]


def test_a_missing_security_header_and_another_status_are_differences():
    one = observation([("X-Frame-Options", "DENY")])
    other = observation([], status=503)
    found = {(d.header, d.first, d.here) for d in differences(one, other)}
    assert found == {("status", "200", "503"), ("x-frame-options", "DENY", None)}


def test_a_nonce_that_changes_is_not_a_difference_but_the_policy_around_it_is():
    def page(policy: str) -> Observation:
        return observation([("Content-Security-Policy", policy)])

    same = differences(page("script-src 'nonce-abc' 'self'"), page("script-src 'nonce-XYZ' 'self'"))
    assert same == ()
    other = differences(page("script-src 'nonce-abc' 'self'"), page("script-src 'nonce-XYZ' *"))
    assert [d.header for d in other] == ["content-security-policy"]


def test_a_probe_one_address_did_not_answer_is_not_compared():
    one = observation(probes=[probe("cors.get.arbitrary")])
    silent = Exchange("cors.get.arbitrary", Request("GET", URL), error="timed out", timed_out=True)
    assert differences(one, replace(one, probes=(silent,))) == ()


REFLECT = finding("cors.reflect-origin-credentials", exchanges=("cors.get.arbitrary",))
NO_HSTS = finding("hsts.missing")


def test_a_problem_seen_on_another_address_counts_and_names_it():
    merged, only = merge([NO_HSTS], [("127.0.0.4", frozenset({"cors.get.arbitrary"}), [REFLECT])])
    reflect = next(f for f in merged if f.id == REFLECT.id)
    assert reflect.facts[0] == ("address", "127.0.0.4")
    assert reflect.exchanges == (probe_id("127.0.0.4", "cors.get.arbitrary"),)
    assert only == {"127.0.0.4": (REFLECT.id,)}
    assert {f.id for f in merged} == {REFLECT.id, NO_HSTS.id}
    assert scoring.grade(merged).grade == "F"


def test_a_pass_counts_only_when_every_address_earns_it():
    passed = finding("cookie.all-secure")
    merged, _ = merge([passed], [("127.0.0.4", frozenset(), [passed]), ("::1", frozenset(), [])])
    assert merged == []
    merged, _ = merge([passed], [("127.0.0.4", frozenset(), [passed])])
    assert merged == [passed]


def test_a_problem_several_addresses_share_lists_them_all():
    own = frozenset({"cors.get.arbitrary"})
    merged, _ = merge([], [("127.0.0.4", own, [REFLECT]), ("127.0.0.5", own, [REFLECT])])
    assert merged[0].facts[0] == ("address", "127.0.0.4, 127.0.0.5")


def test_a_problem_the_first_address_shows_too_keeps_the_first_addresss_evidence():
    own = frozenset({"cors.get.arbitrary"})
    merged, only = merge([REFLECT], [("127.0.0.4", own, [REFLECT])])
    assert merged == [REFLECT]
    assert only == {"127.0.0.4": ()}


def test_judge_adds_the_difference_finding_and_renames_the_other_addresss_exchanges():
    first = observation(probes=[probe("cors.get.arbitrary")])
    reflected = [
        ("Access-Control-Allow-Origin", "https://evil.example"),
        ("Access-Control-Allow-Credentials", "true"),
    ]
    other = observation(probes=[probe("cors.get.arbitrary", reflected)])
    scan = AddressScan("127.0.0.4", (other.final, *other.probes), other)
    judged = judge(first, run_analyzers(first), Others("127.0.0.3", (scan,)), run_analyzers)

    ids = {f.id for f in judged.findings}
    assert {"site.addresses-differ", "cors.reflect-origin-credentials"} <= ids
    differ = next(f for f in judged.findings if f.id == "site.addresses-differ")
    assert differ.title == "127.0.0.4 answered api.example.com unlike 127.0.0.3"
    assert (
        "127.0.0.4",
        "Access-Control-Allow-Origin on cors.get.arbitrary: https://evil.example here, "
        "absent on 127.0.0.3",
    ) in differ.facts
    assert {e.probe for e in judged.exchanges} == {
        "127.0.0.4/main.0",
        "127.0.0.4/cors.get.arbitrary",
    }
    assert [r.address for r in judged.results] == ["127.0.0.3", "127.0.0.4"]


def test_judge_leaves_a_one_address_scan_alone():
    first = observation(probes=[probe("cors.get.arbitrary")])
    found = run_analyzers(first)
    judged = judge(first, found, Others(), run_analyzers)
    assert (judged.findings, judged.results, judged.exchanges) == (found, (), ())


def test_a_report_stored_before_addresses_were_probed_still_loads():
    stored = {
        "target": {
            "raw": URL,
            "scheme": "https",
            "host": "api.example.com",
            "port": 443,
            "path": "/data",
        },
        "status": "ok",
    }
    report = Report.from_dict(stored)
    assert report.addresses == () and report.addresses_not_probed == ()


def test_the_per_address_results_survive_a_json_round_trip():
    from checker.model import AddressDifference

    result = AddressResult(
        "::1",
        status=200,
        probes=3,
        only_here=("hsts.missing",),
        differences=(AddressDifference("main.0", "strict-transport-security", "max-age=1", None),),
    )
    assert AddressResult.from_dict(json.loads(json.dumps(asdict(result)))) == result


def test_a_note_about_the_whole_site_holds_only_when_every_address_gives_it():
    none_allowed = finding("cors.none")
    own = frozenset({"cors.get.arbitrary"})
    merged, _ = merge([none_allowed], [("127.0.0.4", own, [REFLECT])])
    assert [f.id for f in merged] == [REFLECT.id]
    merged, _ = merge([none_allowed], [("127.0.0.4", own, [none_allowed])])
    assert merged == [none_allowed]


def test_the_title_of_a_problem_from_another_address_says_where():
    own = frozenset({"cors.get.arbitrary"})
    merged, _ = merge([], [("127.0.0.4", own, [REFLECT])])
    assert merged[0].title == f"{REFLECT.title} (on 127.0.0.4)"


def test_an_address_that_ran_out_of_time_is_shown_not_judged_different():
    first = observation(probes=[probe("cors.get.arbitrary")])
    late = Exchange("main.0", Request("GET", URL), error="Not sent: out of time", timed_out=True)
    scan = AddressScan("127.0.0.4", (late,), None, late.error, timed_out=True)
    judged = judge(first, run_analyzers(first), Others("127.0.0.3", (scan,)), run_analyzers)
    assert "site.addresses-differ" not in {f.id for f in judged.findings}
    assert judged.results[1].timed_out and judged.results[1].error == late.error


def test_a_loopback_address_has_a_route():
    from checker.addresses import has_route

    assert has_route("127.0.0.4", 443)
