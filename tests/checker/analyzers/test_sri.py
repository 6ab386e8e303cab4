from dataclasses import replace

from checker.analyze import sri
from checker.findings import weigh
from checker.model import Severity
from tests.checker.analyzers.build import fact, ids, only, page

HASH = "sha384-3cuD546Hfh83rHYJweK+U9Ib/lAdF+G7ZMEJFosvaRmtpQuPTYQItF7u0GPoyvoN"


def run(markup: str, url: str = "https://example.com/"):
    body = f"<!doctype html><html><head>{markup}</head><body>x</body></html>"
    return list(sri.analyze(page([("Content-Type", "text/html")], url=url, body=body)))


def test_a_script_from_another_site_without_integrity_is_flagged():
    finding = only(run('<script src="https://cdn.example/lib.js"></script>'), "sri.missing")
    assert finding.severity is Severity.MEDIUM
    assert finding.exchanges == ("main.0",)
    assert fact(finding, "script") == ["https://cdn.example/lib.js"]
    assert fact(finding, "count") == ["1"]
    assert finding.title.startswith("1 script from other sites")


def test_a_stylesheet_from_another_site_without_integrity_is_flagged():
    findings = run('<link rel="preload stylesheet" href="https://fonts.example/a.css">')
    assert fact(only(findings, "sri.missing"), "stylesheet") == ["https://fonts.example/a.css"]


def test_every_foreign_resource_with_a_hash_passes():
    findings = run(
        f'<script src="https://cdn.example/lib.js" integrity="{HASH}" crossorigin></script>'
        f'<link rel=stylesheet href="https://cdn.example/a.css" integrity="{HASH}">'
    )
    finding = only(findings, "sri.ok")
    assert finding.severity is Severity.PASS
    assert ids(findings) == ["sri.ok"]


def test_same_origin_and_relative_resources_need_no_integrity():
    assert (
        run('<script src="/app.js"></script><script src="https://example.com/b.js"></script>') == []
    )


def test_another_port_or_scheme_is_another_origin():
    findings = run('<script src="https://example.com:8443/x.js"></script>')
    assert ids(findings) == ["sri.missing"]


def test_an_integrity_without_a_known_hash_counts_as_missing():
    findings = run('<script src="https://cdn.example/x.js" integrity="md5-abc"></script>')
    assert ids(findings) == ["sri.missing"]


def test_a_script_over_plain_http_on_an_https_page_is_mixed_content():
    finding = only(run('<script src="http://cdn.example/x.js"></script>'), "sri.missing-insecure")
    assert finding.severity is Severity.HIGH
    assert "mixed content" in finding.title
    assert fact(finding, "script") == ["http://cdn.example/x.js"]


def test_a_protocol_relative_script_on_an_http_page_loads_over_http():
    findings = run('<script src="//cdn.example/x.js"></script>', url="http://example.com/")
    finding = only(findings, "sri.missing-insecure")
    assert fact(finding, "script") == ["http://cdn.example/x.js (written //cdn.example/x.js)"]
    assert "mixed content" not in finding.title


def test_a_protocol_relative_script_on_an_https_page_is_fetched_over_https():
    findings = run('<script src="//cdn.example/x.js"></script>')
    assert ids(findings) == ["sri.missing"]


def test_relative_urls_resolve_against_the_base_element():
    findings = run('<base href="https://static.example/"><script src="app.js"></script>')
    assert fact(only(findings, "sri.missing"), "script") == ["https://static.example/app.js"]


def test_secure_and_insecure_resources_are_reported_apart():
    findings = run(
        '<script src="https://cdn.example/a.js"></script>'
        '<link rel="stylesheet" href="http://cdn.example/b.css">'
    )
    assert ids(findings) == ["sri.missing", "sri.missing-insecure"]
    assert fact(only(findings, "sri.missing-insecure"), "stylesheet") == [
        "http://cdn.example/b.css"
    ]


def test_scripts_without_src_and_other_links_are_ignored():
    findings = run(
        "<script>inline()</script><link rel=icon href='https://cdn.example/i.png'>"
        "<script src='data:text/javascript,1'></script>"
    )
    assert findings == []


def test_a_truncated_body_is_said_in_the_facts():
    observation = page(
        [("Content-Type", "text/html")],
        body='<script src="https://cdn.example/a.js"></script>',
    )
    final = observation.final
    cut = replace(final, response=replace(final.response, body_truncated=True))
    finding = only(sri.analyze(replace(observation, chain=(cut,))), "sri.missing")
    assert fact(finding, "body") == ["only the first part of the page was read"]


def test_a_page_without_body_or_with_hostile_urls_gives_no_error():
    assert list(sri.analyze(page())) == []
    assert run('<script src="http://[::1"></script><base href="http://[x">') == []


def test_subresource_integrity_is_not_held_against_an_api_answer():
    findings = run('<script src="http://cdn.example/x.js"></script>')
    kept, apart = weigh(findings, "api")
    assert [f.id for f in apart] == ["sri.missing-insecure"] and kept == ()
    assert [f.id for f in weigh(findings, "page")[0]] == ["sri.missing-insecure"]
