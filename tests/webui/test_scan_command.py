import json
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from tests.conftest import ALL_PORTS, LOOPBACK
from tests.webui.conftest import GOOD_HEADERS


def without_timings(text: str) -> str:
    return re.sub(r"\d+ ms", "N ms", text)


def checker_cli(*args: str) -> str:
    env = {
        **os.environ,
        "CHECKER_ALLOW_NETWORKS": ",".join(LOOPBACK),
        "CHECKER_ALLOWED_PORTS": "1-65535",
    }
    command = [sys.executable, "-m", "checker", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True).stdout


def manage_scan(*args: str) -> str:
    out = StringIO()
    call_command("scan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def good_target(target_server):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    return target_server


def test_it_prints_what_python_m_checker_prints(good_target, allow_loopback):
    ours = manage_scan(good_target.url)
    theirs = checker_cli(good_target.url)
    assert "Grade:" in ours
    assert without_timings(ours) == without_timings(theirs)


def test_its_json_is_the_engines_report(good_target, allow_loopback):
    ours = json.loads(
        manage_scan(good_target.url, "--json", "--frontend-origin", "https://a.example")
    )
    theirs = json.loads(
        checker_cli(good_target.url, "--json", "--frontend-origin", "https://a.example")
    )
    assert ours["frontend_origin"] == "https://a.example"
    for key in ("status", "grade", "score", "findings", "target", "chain", "frontend_origin"):
        assert ours[key] == theirs[key], key


def test_it_exits_with_2_when_the_site_cannot_be_judged(target_server, allow_loopback):
    url = target_server.url
    target_server.stop()
    with pytest.raises(SystemExit) as exit_info:
        manage_scan(url)
    assert exit_info.value.code == 2


def test_it_uses_the_settings_and_refuses_loopback_by_default(target_server, settings):
    settings.CHECKER_ALLOW_NETWORKS = ()
    settings.CHECKER_ALLOWED_PORTS = ALL_PORTS  # so that the address is what gets refused
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("scan", target_server.url, stdout=out)
    assert "refused" in out.getvalue()
    assert target_server.requests == []
