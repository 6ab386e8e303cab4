"""CHECKER_ALLOWED_PORTS: checked at start-up, answered early by the form, enforced by the task."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.checker.test_ports import Listener
from tests.targets import TargetServer
from webui.models import Scan
from webui.settings import envports
from webui.tasks import run_scan

DEFAULT_REFUSAL = (
    "Port 2222 is not one we check: only ports 80, 443, 8000, 8080 and 8443 are allowed."
)


def test_envports_reads_ports_and_ranges(monkeypatch):
    monkeypatch.setenv("PORTS", "80, 8000-8999")
    assert envports("PORTS") == ((80, 80), (8000, 8999))
    monkeypatch.setenv("PORTS", " ")
    assert envports("PORTS") == ((80, 80), (443, 443), (8000, 8000), (8080, 8080), (8443, 8443))


@pytest.mark.parametrize("value", ["http", "80,0", "443-80", "80;443"])
def test_envports_refuses_a_typo_rather_than_guessing(monkeypatch, value):
    monkeypatch.setenv("PORTS", value)
    with pytest.raises(ImproperlyConfigured, match="PORTS must be ports and ranges"):
        envports("PORTS")


def test_a_bad_CHECKER_ALLOWED_PORTS_stops_the_start():
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webui.settings",
            "CHECKER_ALLOWED_PORTS": "80,ssh",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: CHECKER_ALLOWED_PORTS must be ports and ranges" in result.stderr
    assert "'ssh' is not a port" in result.stderr


def test_by_default_only_the_webs_usual_ports_are_checked():
    env = {k: v for k, v in os.environ.items() if k != "CHECKER_ALLOWED_PORTS"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(repr(settings.CHECKER_ALLOWED_PORTS))"
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "webui.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.strip() == "((80, 80), (443, 443), (8000, 8000), (8080, 8080), (8443, 8443))"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["https://example.com:2222/", "example.com:2222", "http://93.184.216.34:2222/x"]
)
def test_the_form_refuses_a_port_at_once(client, typed):
    response = client.post("/", {"target": typed})

    assert response.status_code == 200
    assert DEFAULT_REFUSAL in response.content.decode()
    assert not Scan.objects.exists()


@pytest.mark.django_db
def test_the_form_accepts_a_port_the_setting_allows(client, settings):
    settings.CHECKER_ALLOWED_PORTS = ((2000, 3000),)
    assert client.post("/", {"target": "https://example.com:2222/"}).status_code == 303
    response = client.post("/", {"target": "https://example.com/"})
    assert "Port 443 is not one we check: only ports 2000-3000 are allowed." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_a_schemeless_name_needs_only_one_of_80_and_443(client, settings):
    settings.CHECKER_ALLOWED_PORTS = ((443, 443),)
    assert client.post("/", {"target": "example.com"}).status_code == 303


@pytest.mark.django_db
def test_the_task_follows_no_redirect_to_a_port_the_setting_leaves_out(
    client, allow_loopback, settings
):
    with Listener() as listener, TargetServer() as first:
        first.responder = lambda request: (302, [("Location", listener.url + "/")], b"")
        settings.CHECKER_ALLOWED_PORTS = ((first.port, first.port),)
        response = client.post("/", {"target": first.url})
        assert response.status_code == 303
        scan = Scan.objects.get()

        run_scan(scan.pk)

        assert listener.connections() == 0
    scan.refresh_from_db()
    assert scan.status == Scan.Status.UNREACHABLE
    assert scan.error == (
        f"Port {listener.port} is not one we check: only port {first.port} is allowed."
    )
    assert scan.error in client.get(f"/r/{scan.token}/").content.decode()
