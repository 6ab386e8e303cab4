"""The report's presentation functions, on reports built by hand (no network, no database)."""

from dataclasses import replace

from checker import findings as catalogue
from checker.model import (
    Exchange,
    Finding,
    Report,
    Request,
    Response,
    ScoreLine,
    Severity,
    Status,
    Target,
)
from webui.presenting import (
    area_of,
    caps_table,
    code_spans,
    cors_row,
    cutoffs_table,
    evidence_headers,
    fix_markdown,
    group_findings,
    http_evidence,
    report_view,
    score_breakdown,
    scoring_groups,
    severity_bar,
    severity_counts,
    summary_sentence,
    timed_out_notice,
)

TARGET = Target("shop.example", "https", "shop.example", 443, "/")
EVIL = "https://evil.example"


def cors_exchange(probe: str, label: str, origin: str, headers, method: str = "GET") -> Exchange:
    return Exchange(
        probe=probe,
        request=Request(method, "https://shop.example/", (("Origin", origin),)),
        response=Response(200, tuple(headers)),
        origin_label=label,
    )


def make_report(findings, exchanges=(), score_lines=(), score=100, grade="A+", cap=None) -> Report:
    main = Exchange(
        "main.0",
        Request("GET", "https://shop.example/"),
        Response(200, (("Server", "nginx/1.2"), ("X-Frame-Options", "DENY"))),
    )
    return Report(
        target=TARGET,
        status=Status.OK,
        exchanges=(main, *exchanges),
        chain=("main.0",),
        findings=tuple(findings),
        score=score,
        grade=grade,
        score_lines=tuple(score_lines),
        grade_cap=cap,
    )


def finding(fid: str, severity: Severity, glossary: str = "origin", exchanges=(), facts=()):
    return Finding(fid, severity, f"title of {fid}", glossary, tuple(exchanges), tuple(facts))


def test_findings_fall_into_their_areas():
    assert area_of("cors.reflect-origin").title == "CORS"
    assert area_of("hsts.missing").slug == "https"
    assert area_of("redirect.not-to-https").slug == "https"
    assert area_of("cookie.no-secure").title == "Cookies"
    assert area_of("xcto.missing").slug == "headers"
    assert area_of("something.new").slug == "other"


def test_the_longest_prefix_picks_the_evidence_headers():
    assert evidence_headers("cross-origin.coop-missing") == ("cross-origin-opener-policy",)
    assert evidence_headers("hsts.short-max-age") == ("strict-transport-security",)
    assert evidence_headers("tls.certificate-invalid") == ()
    assert evidence_headers("unknown.thing") == ()


def test_a_hostile_origin_echoed_with_credentials_reads_as_bad():
    exchange = cors_exchange(
        "cors.get.arbitrary",
        "arbitrary",
        EVIL,
        [("Access-Control-Allow-Origin", EVIL), ("Access-Control-Allow-Credentials", "true")],
    )
    row = cors_row(exchange)
    assert (row.origin, row.allow_origin, row.allow_credentials) == (EVIL, EVIL, "true")
    assert (row.verdict, row.tone) == ("Trusted, with cookies", "bad")


def test_the_sites_own_origin_trusted_reads_as_good_and_a_refused_stranger_too():
    own = cors_exchange(
        "cors.get.self",
        "self",
        "https://shop.example",
        [("Access-Control-Allow-Origin", "https://shop.example")],
    )
    stranger = cors_exchange("cors.get.arbitrary", "arbitrary", EVIL, [])
    assert (cors_row(own).verdict, cors_row(own).tone) == ("Trusted", "good")
    row = cors_row(stranger)
    assert (row.verdict, row.tone, row.allow_origin) == (
        "Not trusted: no CORS headers",
        "good",
        None,
    )


def test_a_wildcard_and_a_preflight_are_labelled():
    exchange = cors_exchange(
        "cors.preflight.null", "null", "null", [("Access-Control-Allow-Origin", "*")], "OPTIONS"
    )
    row = cors_row(exchange)
    assert row.request == "OPTIONS (preflight)"
    assert row.verdict == "Any site may read, without cookies"


def test_a_probe_without_answer_says_why():
    exchange = Exchange(
        "cors.get.null",
        Request("GET", "https://shop.example/", (("Origin", "null"),)),
        error="timed out",
    )
    assert cors_row(exchange).verdict == "No answer: timed out"


def test_http_evidence_quotes_the_main_header_even_when_absent():
    exchange = Exchange(
        "main.0", Request("GET", "https://shop.example/"), Response(200, (("Server", "nginx/1.2"),))
    )
    evidence = http_evidence(exchange, ("strict-transport-security", "location"))
    assert (evidence.method, evidence.url, evidence.status) == (
        "GET",
        "https://shop.example/",
        "HTTP/1.1 200",
    )
    assert [(row.name, row.value) for row in evidence.headers] == [
        ("strict-transport-security", None)
    ]
    server = http_evidence(exchange, ("server",))
    assert [(row.name, row.value) for row in server.headers] == [("Server", "nginx/1.2")]


def test_the_fix_section_stops_at_the_next_heading_but_not_inside_code():
    body = (
        "## What it is\n\nA.\n\n## How to fix it\n\nDo B.\n\n"
        "```nginx\n## not a heading\n```\n\n## Why\n\nC.\n"
    )
    assert fix_markdown(body) == "Do B.\n\n```nginx\n## not a heading\n```\n"
    assert fix_markdown("## What it is\n\nA.\n") is None
    assert fix_markdown("## What to do\n\nRemove it.\n") == "Remove it.\n"


def test_groups_put_the_most_severe_area_first_and_sort_inside_by_severity():
    findings = [
        finding("xcto.missing", Severity.LOW),
        finding("cors.vary-origin-missing", Severity.LOW),
        finding("cors.reflect-origin-credentials", Severity.CRITICAL),
        finding("hsts.ok", Severity.PASS),
        finding("framing.ok", Severity.PASS),
    ]
    view = report_view(make_report(findings))
    groups, passed = view.groups, view.passed
    assert [g.area.slug for g in groups] == ["cors", "headers"]
    assert [f.id for f in groups[0].findings] == [
        "cors.reflect-origin-credentials",
        "cors.vary-origin-missing",
    ]
    assert groups[0].counts == [(Severity.CRITICAL, 1), (Severity.LOW, 1)]
    assert [f.id for f in passed] == ["hsts.ok", "framing.ok"]  # in area order
    assert group_findings([]) == ([], [])


def test_a_cors_finding_gets_a_table_and_loses_the_facts_the_table_repeats():
    exchange = cors_exchange(
        "cors.get.arbitrary",
        "arbitrary",
        EVIL,
        [("Access-Control-Allow-Origin", EVIL), ("Access-Control-Allow-Credentials", "true")],
    )
    cited = finding(
        "cors.reflect-origin-credentials",
        Severity.CRITICAL,
        "mistake-reflected-origin",
        exchanges=["cors.get.arbitrary", "cors.gone"],
        facts=[("probe", "cors.get.arbitrary"), ("origin sent", EVIL), ("other", "x")],
    )
    view = report_view(make_report([cited], [exchange], [ScoreLine(cited.id, -50)], 50, "F", "F"))
    item = view.groups[0].findings[0]
    assert [row.probe for row in item.cors_rows] == [
        "cors.get.arbitrary"
    ]  # the missing one skipped
    assert item.requests == ()
    assert item.facts == (("other", "x"),)
    assert item.modifier == -50
    assert item.caps_grade_at == "F"
    assert item.entry.slug == "mistake-reflected-origin"
    # Fixed by a snippet for the server the answers named, so the glossary's generic one is left.
    assert item.fix_html is None
    assert item.snippets[0].framework == "nginx" and item.snippets[0].recognised
    assert "server_name shop.example;" in item.snippets[0].code
    assert item.origin_stand_in == "https://app.shop.example"
    assert item.observed.startswith(f"Your site answered a GET request from {EVIL}")
    assert item.why == catalogue.row_for(cited.id).meaning
    assert [row.probe for row in view.cors_matrix] == ["cors.get.arbitrary"]
    assert [r.key for r in view.recognised] == ["nginx"]


def test_a_finding_shows_the_proving_probe_first_and_at_most_two_rows():
    wildcard = [("Access-Control-Allow-Headers", "*"), ("Access-Control-Allow-Origin", EVIL)]
    gets = [
        cors_exchange(f"cors.get.{label}", label, f"https://{label}.example", wildcard)
        for label in ("self", "frontend", "arbitrary")
    ]
    preflight = cors_exchange("cors.preflight.arbitrary", "arbitrary", EVIL, wildcard, "OPTIONS")
    cited = finding(
        "cors.allow-headers-wildcard-authorization",
        Severity.LOW,
        "mistake-allow-headers-wildcard-authorization",
        exchanges=[e.probe for e in gets] + [preflight.probe, "cors.get.self"],
    )
    view = report_view(make_report([cited], [*gets, preflight]))
    item = view.groups[0].findings[0]
    # For Allow-Headers: * the preflight's answer is what proves it, not the GETs.
    assert [row.probe for row in item.cors_rows] == ["cors.preflight.arbitrary", "cors.get.self"]
    assert item.more_probes == 2
    named = finding(
        "cors.vary-origin-missing",
        Severity.LOW,
        "mistake-missing-vary-origin",
        exchanges=[e.probe for e in gets],
        facts=[("probe", "cors.get.arbitrary"), ("origin sent", EVIL)],
    )
    item = report_view(make_report([named], gets)).groups[0].findings[0]
    assert item.cors_rows[0].probe == "cors.get.arbitrary"  # the one the facts name


def test_rows_that_read_the_same_are_shown_once():
    same = [("Access-Control-Allow-Origin", "*")]
    one = cors_exchange("cors.get.arbitrary", "arbitrary", EVIL, same)
    two = cors_exchange("cors.get.prefix", "arbitrary", EVIL, same)
    cited = finding(
        "cors.wildcard",
        Severity.LOW,
        "mistake-wildcard-on-private-data",
        exchanges=[one.probe, two.probe],
    )
    item = report_view(make_report([cited], [one, two])).groups[0].findings[0]
    assert len(item.cors_rows) == 1 and item.more_probes == 0


def test_a_passed_check_says_what_is_right_and_has_no_fix():
    passed = finding("framing.ok", Severity.PASS, "x-frame-options", exchanges=["main.0"])
    view = report_view(make_report([passed]))
    item = view.passed[0]
    assert item.snippets == () and item.fix_html is None
    assert item.observed == "GET https://shop.example/ answered 200 with `X-Frame-Options: DENY`."
    assert item.why == catalogue.row_for("framing.ok").meaning


def test_a_finding_without_a_snippet_keeps_the_glossarys_remedy():
    broken = finding("csp.unsafe-inline", Severity.MEDIUM, "mistake-csp-unsafe-inline")
    item = report_view(make_report([broken])).groups[0].findings[0]
    assert item.snippets == ()
    assert item.fix_html and "<p>" in item.fix_html


def test_backticks_become_code_spans():
    assert code_spans("Saw `A: b` and `c`.") == (
        ("Saw ", False),
        ("A: b", True),
        (" and ", False),
        ("c", True),
        (".", False),
    )
    assert code_spans("an odd ` one") == (("an odd ` one", False),)


def test_the_summary_counts_problems_and_names_the_worst():
    findings = [
        finding("xcto.missing", Severity.LOW),
        finding("hsts.missing", Severity.HIGH),
        finding("cors.reflect-origin-credentials", Severity.CRITICAL),
        finding("referrer.missing", Severity.INFO),
        finding("framing.ok", Severity.PASS),
    ]
    assert summary_sentence("F", findings) == (
        "Grade F: 2 serious problems (1 critical and 1 high), 1 smaller issue and 1 note; "
        "1 check passed. Start with: title of cors.reflect-origin-credentials."
    )
    assert summary_sentence("A+", [finding("hsts.ok", Severity.PASS)]) == (
        "Grade A+: no problems; 1 check passed."
    )


def test_the_severity_bar_splits_100_units_by_count():
    counts = severity_counts([finding("a.b", Severity.HIGH), finding("c.d", Severity.PASS)] * 2)
    segments = severity_bar(counts)
    assert [(s.severity, s.count, s.x, s.width) for s in segments] == [
        (Severity.HIGH, 2, 0.0, 50.0),
        (Severity.PASS, 2, 50.0, 50.0),
    ]
    assert severity_bar({}) == []


def test_the_score_breakdown_walks_from_100_to_the_letter_and_names_the_cap():
    findings = [
        finding("cors.reflect-origin-credentials", Severity.CRITICAL),
        finding("hsts.missing", Severity.HIGH),
    ]
    lines = [ScoreLine("cors.reflect-origin-credentials", -50), ScoreLine("hsts.missing", -20)]
    breakdown = score_breakdown(make_report(findings, (), lines, 30, "F", "F"))
    assert [(r.kind, r.finding_id, r.modifier, r.running) for r in breakdown.rows] == [
        ("base", None, 100, 100),
        ("penalty", "cors.reflect-origin-credentials", -50, 50),
        ("penalty", "hsts.missing", -20, 30),
    ]
    assert breakdown.rows[1].label == "title of cors.reflect-origin-credentials"
    assert (breakdown.score, breakdown.cap, breakdown.grade) == (30, "F", "F")
    assert breakdown.capped_by == ("cors.reflect-origin-credentials",)


def test_the_score_breakdown_shows_the_floor_at_zero():
    lines = [ScoreLine("a.b", -80), ScoreLine("c.d", -50)]
    breakdown = score_breakdown(make_report([], (), lines, 0, "F"))
    assert breakdown.rows[-1].kind == "floor"
    assert (breakdown.rows[-1].modifier, breakdown.rows[-1].running) == (30, 0)


def test_the_scoring_tables_cover_every_id_cutoff_and_cap():
    from checker import scoring

    listed = [row.finding_id for _, rows in scoring_groups() for row in rows]
    assert sorted(listed) == sorted(scoring.SCORE_TABLE)
    assert [letter for letter, _, _ in cutoffs_table()] == [g for _, g in scoring.GRADE_CUTOFFS]
    assert cutoffs_table()[0][2] is None  # the best letter has no upper bound
    assert dict(caps_table()) == scoring.GRADE_CAPS
    assert caps_table()[0][1] == "F"  # harshest first


def timed_out_preflight(probe: str, seconds: float) -> Exchange:
    return Exchange(
        probe,
        Request("OPTIONS", "https://shop.example/", (("Origin", EVIL),)),
        error=f"shop.example did not finish answering within {seconds:g} s.",
        elapsed_ms=seconds * 1000 + 3.2,
        origin_label="arbitrary",
        timed_out=True,
    )


def test_the_notice_names_every_probe_that_timed_out_and_how_long_it_was_given():
    slow = (
        timed_out_preflight("cors.preflight.arbitrary", 10),
        timed_out_preflight("cors.preflight.null", 10),
        timed_out_preflight("cors.preflight.self", 10),
    )
    report = make_report([], exchanges=slow)

    assert timed_out_notice(report) == (
        "3 probes did not answer within 10 s and were not judged: "
        "cors.preflight.arbitrary, cors.preflight.null, cors.preflight.self."
    )
    assert report_view(report).timed_out == timed_out_notice(report)


def test_one_timed_out_probe_reads_in_the_singular():
    report = make_report([], exchanges=(timed_out_preflight("cors.preflight.null", 1.5),))
    assert timed_out_notice(report) == (
        "1 probe did not answer within 1.5 s and was not judged: cors.preflight.null."
    )


def test_no_notice_when_every_probe_answered_or_only_a_body_was_cut():
    body_cut = Exchange(
        "main.1",
        Request("GET", "https://shop.example/"),
        Response(200, (), body="<p>part", body_truncated=True),
        error="shop.example sent its headers but did not finish the body within 10 s.",
        timed_out=True,
    )
    assert timed_out_notice(make_report([])) is None
    assert timed_out_notice(make_report([], exchanges=(body_cut,))) is None
    assert report_view(make_report([])).timed_out is None


def test_a_request_is_left_out_only_when_the_sentence_tells_it_whole():
    told = finding("xcto.missing", Severity.LOW, "x-content-type-options", exchanges=["main.0"])
    item = report_view(make_report([told])).groups[0].findings[0]
    assert item.observed == (
        "GET https://shop.example/ answered 200 without a `X-Content-Type-Options` or "
        "`Content-Type` header."
    )
    assert item.requests == ()
    # Two Set-Cookie lines: the sentence names the cookie, the evidence shows both lines.
    twice = Exchange(
        "main.0",
        Request("GET", "https://shop.example/"),
        Response(200, (("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"))),
    )
    cookie = finding(
        "cookie.no-secure",
        Severity.MEDIUM,
        "set-cookie",
        exchanges=["main.0"],
        facts=[("cookie", "a"), ("set-cookie", "a=1; Path=/")],
    )
    report = replace(make_report([cookie]), exchanges=(twice,))
    item = report_view(report).groups[0].findings[0]
    assert [h.value for h in item.requests[0].headers] == ["a=1; Path=/", "b=2; Path=/"]
