"""{% other_fixes %}: the fixes for the other servers, one radio button and one panel each."""

from checker.explain_finding import Snippet
from webui.templatetags.fixes import other_fixes


def snippet(framework: str, code: str) -> Snippet:
    return Snippet(framework, framework.title(), code, place="its config")


def test_one_radio_and_one_panel_per_other_fix_with_the_code_escaped():
    html = other_fixes(
        [snippet("nginx", "first"), snippet("apache", 'Header set X "<a>"'), snippet("caddy", "c")],
        "problems",
        "3",
    )

    assert html.count('type="radio"') == 2 and html.count('class="fix__code fix__panel"') == 2
    assert 'id="fix-problems-3-apache"' in html and 'for="fix-problems-3-apache"' in html
    assert "Header set X &quot;&lt;a&gt;&quot;" in html  # never markup from a snippet
    assert "first" not in html  # the first fix is shown above, not among the others


def test_a_finding_with_one_fix_has_no_others():
    assert other_fixes([snippet("nginx", "first")], "problems", "1") == ""
