"""The files that start the project must parse and name commands that really exist."""

import re
import shlex
import subprocess
import sys

import yaml

from tests.webui.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def run_help(argv: list[str]) -> subprocess.CompletedProcess:
    """Run a command line from a deploy file with --help appended, from this virtualenv."""
    program, *args = argv
    if program == "python":
        command = [sys.executable, *args, "--help"]
    else:
        command = [sys.executable, "-m", program, *args, "--help"]
    env = {"DJANGO_SETTINGS_MODULE": "webui.settings", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_compose_has_every_service_the_architecture_needs():
    assert set(COMPOSE["services"]) >= {"web", "worker", "beat", "postgres", "redis", "mailpit"}


def test_compose_configures_the_app_through_the_environment_only():
    for name in ("web", "worker", "beat", "migrate"):
        service = COMPOSE["services"][name]
        assert service["build"] == "."
        assert "volumes" not in service
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "0"


def test_compose_commands_are_real_commands_of_this_project():
    for name in ("web", "worker", "beat", "migrate"):
        command = COMPOSE["services"][name]["command"]
        result = run_help(command)
        assert result.returncode == 0, f"{name}: {command}\n{result.stderr}"


def test_the_web_service_serves_the_projects_wsgi_application():
    command = COMPOSE["services"]["web"]["command"]
    assert command[:2] == ["gunicorn", "webui.wsgi"]
    from webui.wsgi import application

    assert callable(application)


def test_the_procfile_runs_the_dev_server_and_a_worker_with_beat():
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    processes = dict(line.split(": ", 1) for line in lines if line.strip())
    assert set(processes) == {"web", "worker"}
    web = shlex.split(processes["web"])
    worker = shlex.split(processes["worker"])
    assert web[1:] == ["manage.py", "runserver", "127.0.0.1:8000"]
    assert worker[1:4] == ["-A", "webui", "worker"] and "-B" in worker
    assert (ROOT / web[0]).name == "python" and (ROOT / worker[0]).name == "celery"


def test_the_dockerfile_starts_gunicorn_on_the_projects_wsgi_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "webui.wsgi"' in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER app" in dockerfile


def compose_default(value: str) -> str:
    """The value docker compose uses when the variable is unset: ``${NAME:-default}``."""
    match = re.fullmatch(r"\$\{(\w+):-(.*)\}", value)
    assert match, f"{value!r} is not of the form ${{NAME:-default}}"
    return match.group(2)


def test_compose_sends_every_process_mail_to_mailpit_unless_told_otherwise(monkeypatch):
    from webui.settings import envemail

    for name in ("web", "worker", "beat"):
        env = COMPOSE["services"][name]["environment"]
        assert "EMAIL_HOST" not in env
        assert compose_default(env["EMAIL_URL"]) == "smtp://mailpit:1025"
    monkeypatch.setenv("EMAIL_URL", "smtp://mailpit:1025")
    mail = envemail("EMAIL_URL", timeout=10)
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == ("mailpit", 1025)


def test_mailpit_shows_its_inbox_on_mailpit_port():
    mailpit = COMPOSE["services"]["mailpit"]
    assert mailpit["image"].split(":")[0] == "axllent/mailpit"
    assert mailpit["ports"] == ["${MAILPIT_PORT:-8025}:8025"]


def test_beat_runs_the_due_check_with_the_interval_of_the_environment():
    for name in ("worker", "beat"):
        env = COMPOSE["services"][name]["environment"]
        assert compose_default(env["WATCH_DUE_CHECK_INTERVAL"]) == "300"
