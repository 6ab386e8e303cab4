"""Our stylesheets parse as intended: every block closed where it should be.

A rule left open (a merge once dropped a `}`) does not fail loudly: browsers that nest CSS read
every later rule as nested inside it, and the page silently loses those styles.
"""

import re

import pytest

from tests.webui.conftest import ROOT

STYLESHEETS = sorted((ROOT / "static" / "webui").glob("*.css"))


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda path: path.name)
def test_every_block_is_closed_and_only_at_rules_hold_rules(path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # braces inside strings do not count
    opened: list[str] = []  # what each open block is: "@media" and friends, or a rule
    start = 0
    for match in re.finditer(r"[{}]", text):
        if match.group() == "{":
            prelude = text[start : match.start()].strip().split(";")[-1].strip()
            if opened and not opened[-1].startswith("@"):
                line = text.count("\n", 0, match.start()) + 1
                pytest.fail(f"{path.name}:{line}: {prelude!r} opens inside the rule {opened[-1]!r}")
            opened.append(prelude)
        else:
            assert opened, f"{path.name}: a '}}' closes nothing"
            opened.pop()
        start = match.end()
    assert opened == [], f"{path.name}: never closed: {opened}"
