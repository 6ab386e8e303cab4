"""Long URLs in headings get line-break opportunities at their separators, and stay escaped."""

from webui.templatetags.breaking import breakable


def test_a_url_may_break_after_slashes_and_before_dots_and_queries():
    assert breakable("https://api.example/v1/users?id=1") == (
        "https://<wbr>api<wbr>.example/<wbr>v1/<wbr>users<wbr>?id=<wbr>1"
    )


def test_the_text_is_escaped_and_the_scheme_slashes_stay_together():
    html = breakable('http://x.test/<script>"')
    assert "<script>" not in html and "&lt;script&gt;&quot;" in html
    assert html.startswith("http://<wbr>x")


def test_copying_gives_the_url_back():
    url = "http://127.0.0.1:8000/waiting?a=1&b=2#top"
    assert breakable(url).replace("<wbr>", "").replace("&amp;", "&") == url
