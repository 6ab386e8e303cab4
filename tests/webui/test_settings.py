import json
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


NAMES = (
    "EMAIL_BACKEND",
    "EMAIL_DELIVERY_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "WATCH_DUE_CHECK_INTERVAL",
    "CELERY_BEAT_SCHEDULE",
    "SECRET_KEY_FALLBACKS",
)
# Each case is a set of environment variables our settings module is read with, from scratch.
CASES = {
    "nothing": {},
    "url": {"EMAIL_URL": "smtp://alerts%40shop.example:p%2Fss@mail.example:2525"},
    "submission": {"EMAIL_URL": "submission://u:p@mail.example"},
    "smtps": {"EMAIL_URL": "smtps://u:p@mail.example"},
    "starttls": {"EMAIL_URL": "smtp://u:p@mail.example:587?tls=1&timeout=30"},
    "sender": {"EMAIL_URL": "smtp://mail.example?_default_from_email=watch%40shop.example"},
    "django": {"EMAIL_HOST": "mail.example", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "1"},
    "no scheme": {"EMAIL_URL": "mail.example:25"},
    "imap": {"EMAIL_URL": "imap://mail.example"},
    "bad port": {"EMAIL_URL": "smtp://mail.example:port"},
    "no host": {"EMAIL_URL": "submission://"},
    "interval": {"WATCH_DUE_CHECK_INTERVAL": "7"},
    "no interval": {"WATCH_DUE_CHECK_INTERVAL": "0"},
    "rotation": {"SECRET_KEY_FALLBACKS": "old-key-1, old-key-2"},
}
# Reads the settings module once per case in one process (a fresh Python for each would cost
# seconds apiece); a setting the module leaves unset is Django's default.
READER = """
import json, os, sys
from django.conf import global_settings
base = dict(os.environ)
results = {}
for case, env in json.loads(sys.argv[1]).items():
    os.environ.clear()
    os.environ.update(base, **env)
    sys.modules.pop("webui.settings", None)
    try:
        import webui.settings as module
    except Exception as error:
        results[case] = {"error": f"{type(error).__name__}: {error}"}
        continue
    names = json.loads(sys.argv[2])
    results[case] = {n: getattr(module, n, getattr(global_settings, n, None)) for n in names}
print(json.dumps(results))
"""
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(scope="module")
def read() -> dict[str, dict]:
    """What our settings module makes of each case's environment (without this process's mail
    and watching variables)."""
    ours = ("EMAIL_", "WATCH_", "DEFAULT_FROM_EMAIL", "SECRET_KEY_FALLBACKS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    result = subprocess.run(
        [sys.executable, "-c", READER, json.dumps(CASES), json.dumps(NAMES)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_mail_settings_mail_is_printed_to_the_console(read):
    nothing = read["nothing"]
    assert nothing["EMAIL_DELIVERY_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    # A web request hands its mails to the worker, whatever delivers them.
    assert nothing["EMAIL_BACKEND"] == "webui.mail.QueuedBackend"


def test_email_url_names_server_port_and_credentials_in_one_variable(read):
    mail = read["url"]
    assert mail["EMAIL_DELIVERY_BACKEND"] == SMTP
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == ("mail.example", 2525)
    assert mail["EMAIL_HOST_USER"] == "alerts@shop.example"
    assert mail["EMAIL_HOST_PASSWORD"] == "p/ss"
    assert (mail["EMAIL_USE_TLS"], mail["EMAIL_USE_SSL"]) == (False, False)
    assert mail["EMAIL_TIMEOUT"] == 10  # never wait for ever on a mail server


def test_submission_means_starttls_on_587_and_smtps_tls_from_the_first_byte_on_465(read):
    submission, smtps, starttls = read["submission"], read["smtps"], read["starttls"]
    assert (submission["EMAIL_PORT"], submission["EMAIL_USE_TLS"]) == (587, True)
    assert submission["EMAIL_USE_SSL"] is False
    assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_SSL"], smtps["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )
    assert (starttls["EMAIL_USE_TLS"], starttls["EMAIL_TIMEOUT"]) == (True, 30)


def test_email_url_may_name_the_sender_too(read):
    assert read["sender"]["DEFAULT_FROM_EMAIL"] == "watch@shop.example"


def test_the_usual_django_variables_still_work_without_email_url(read):
    mail = read["django"]
    assert mail["EMAIL_DELIVERY_BACKEND"] == SMTP
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"], mail["EMAIL_USE_TLS"]) == (
        "mail.example",
        587,
        True,
    )


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("no scheme", "EMAIL_URL must start with one of"),
        ("imap", "EMAIL_URL must start with one of"),
        ("bad port", "EMAIL_URL is not a usable mail URL"),
        ("no host", "EMAIL_URL names no mail server host"),
    ],
)
def test_a_bad_email_url_stops_the_start_with_a_sentence_naming_it(read, case, says):
    assert read[case]["error"].startswith("ImproperlyConfigured")
    assert says in read[case]["error"]


def test_beat_runs_the_due_check_every_watch_due_check_interval_seconds(read):
    assert read["nothing"]["WATCH_DUE_CHECK_INTERVAL"] == 300
    entry = read["nothing"]["CELERY_BEAT_SCHEDULE"]["check-due-subscriptions"]
    assert entry == {"task": "webui.tasks.check_due_subscriptions", "schedule": 300.0}
    short = read["interval"]["CELERY_BEAT_SCHEDULE"]["check-due-subscriptions"]
    assert short["schedule"] == 7.0
    assert "WATCH_DUE_CHECK_INTERVAL" in read["no interval"]["error"]


def test_former_secret_keys_come_from_the_environment_for_a_rotation(read):
    assert read["nothing"]["SECRET_KEY_FALLBACKS"] == []
    assert read["rotation"]["SECRET_KEY_FALLBACKS"] == ["old-key-1", "old-key-2"]
