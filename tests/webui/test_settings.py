import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from webui.settings import envbool, envint, envlist, envnetworks


def test_envbool_reads_the_usual_words(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert envbool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert envbool("FLAG", True) is True


def test_envbool_refuses_a_word_it_does_not_know(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_envint_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("LIMIT", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        envint("LIMIT", 1)
    monkeypatch.setenv("LIMIT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("LIMIT", 5, minimum=1)
    monkeypatch.setenv("LIMIT", "30")
    assert envint("LIMIT", 5, minimum=1) == 30


def test_envlist_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ,")
    assert envlist("HOSTS") == ("a.example", "b.example")


def test_envnetworks_refuses_a_typo_rather_than_guessing(monkeypatch):
    monkeypatch.setenv("NETS", "127.0.0.0/8,::1/128")
    assert envnetworks("NETS") == ("127.0.0.0/8", "::1/128")
    monkeypatch.setenv("NETS", "127.0.0.0/8,localhost")
    with pytest.raises(ImproperlyConfigured, match="localhost"):
        envnetworks("NETS")


def test_by_default_the_checker_may_reach_nothing_private():
    env = {k: v for k, v in os.environ.items() if k != "CHECKER_ALLOW_NETWORKS"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(repr(settings.CHECKER_ALLOW_NETWORKS))"
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "webui.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.strip() == "()"
