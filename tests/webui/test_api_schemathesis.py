"""The API keeps the promises of its own OpenAPI document: schemathesis generates requests from
the document the app serves and checks every answer against it (status, content type, headers,
body schema; valid input accepted, invalid input refused; no 500s).

It calls the real WSGI application in this process, on this test's database (PostgreSQL in CI).
The examples are capped so the whole run stays well under a minute.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis.config import SchemathesisConfig

from webui.wsgi import application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# A request the schema allows can still be refused for what it says: a target that is not an
# address we check is a 400 (bad_target, refused_address, refused_port, bad_origin), documented
# as such. Everything else is schemathesis's defaults.
CONFIG = SchemathesisConfig.from_str(
    """
[generation]
max-examples = 20

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "404", "409", "429"]
"""
)


# Loaded from the app when the module is collected (the document needs no database). Not through
# schemathesis.pytest.from_fixture: its lazy loading does not run under pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # Django's test client does the same: a request's start and end must not close the
    # connection that holds this test's transaction.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
def test_the_api_keeps_the_promises_of_its_openapi_document(case):
    # A WSGI server always names the client; werkzeug's test client leaves it out. It also asks
    # for gzip and then does not inflate the answer, so this asks for none.
    case.call_and_validate(
        environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"Accept-Encoding": "identity"}
    )
