"""An authenticated scan end to end through a real worker, real Redis and real PostgreSQL: the
target receives the secret, and nothing we keep — any table, the queue, a log, a page — holds
it."""

import base64
import json
import logging
import os

import pytest
import redis
from django.db import connection

from tests.webui.conftest import GOOD_HEADERS, wait_until_ended
from webui.models import Scan

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_services"),
]

TOKEN = "Bearer tok-9d2e71c4b8a35f06"
COOKIE = "sid=ck-51f0e8a2d7c94b33"
# What must never be found: each value whole, and the part of it no other text could contain.
NEEDLES = (TOKEN, "tok-9d2e71c4b8a35f06", COOKIE, "ck-51f0e8a2d7c94b33")


def found_in(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def every_row_of_every_table() -> str:
    """Each table of the test database, every column, as text."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    return "\n".join(lines)


def broker_messages(client: redis.Redis, queue: str) -> list[dict]:
    """The task messages waiting in our queue, as kombu stores them (body base64-encoded)."""
    messages = []
    for key in client.scan_iter(match=f"{queue}*"):
        if client.type(key) == b"list":
            messages.extend(json.loads(raw) for raw in client.lrange(key, 0, -1))
    return messages


def everything_in_redis(client: redis.Redis) -> str:
    """Every key of the Redis database and its value, whatever its type."""
    parts = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            value = client.get(key)
        elif kind == b"list":
            value = client.lrange(key, 0, -1)
        elif kind == b"hash":
            value = client.hgetall(key)
        elif kind == b"set":
            value = client.smembers(key)
        elif kind == b"zset":
            value = client.zrange(key, 0, -1)
        else:
            value = kind
        parts.append(f"{key!r}: {value!r}")
    return "\n".join(parts)


def test_the_secret_reaches_the_target_and_is_kept_nowhere(
    client, allow_loopback, celery_worker, target_server, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"<!doctype html><p>hi")
    from webui.celery import app

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    queue = app.conf.task_default_queue

    response = client.post(
        "/",
        {
            "target": target_server.url + "/",
            "request_headers": f"Authorization: {TOKEN}\nCookie: {COOKIE}",
        },
    )
    assert response.status_code == 303, response.content.decode()
    scan = Scan.objects.get(token=response["Location"].split("/")[2])

    # No worker yet: the message waits in Redis, and it carries ciphertext only.
    (message,) = broker_messages(broker, queue)
    body = base64.b64decode(message["body"]).decode()
    args, kwargs, _ = json.loads(body)
    assert args[0] == scan.pk and len(args) == 2 and args[1].startswith("gAAAAA")
    assert found_in(json.dumps(message)) == [] and found_in(body) == []

    # A worker logging everything it does, task arguments included.
    worker = celery_worker("--loglevel=debug")
    scan = wait_until_ended(scan)
    assert scan.status == Scan.Status.DONE, scan.error

    # The target got the secret: on the main request and on the actual-request probes.
    gets = [r for r in target_server.requests if r.method == "GET"]
    preflights = [r for r in target_server.requests if r.method == "OPTIONS"]
    assert gets[0].header("Authorization") == TOKEN and gets[0].header("Cookie") == COOKIE
    probes = [r for r in gets if r.header("Origin")]
    # All but one: the GET that asks how the endpoint answers without them (cors.anonymous.*).
    without = [r for r in probes if r.header("Authorization") is None]
    assert len(without) == 1 and without[0].header("Cookie") is None
    assert len(probes) > 10 and all(
        r.header("Authorization") == TOKEN for r in probes if r not in without
    )
    assert preflights and all(r.header("Authorization") is None for r in preflights)

    # What we show: the report, its live partial, the history pages, the badge, the home page.
    report = client.get(scan.get_absolute_url())
    assert "Authenticated scan: sent Authorization, Cookie (values not kept)." in (
        report.content.decode()
    )
    pages = {
        "report": report,
        "partial": client.get(scan.get_absolute_url(), headers={"HX-Request": "true"}),
        "site": client.get(f"/s/{scan.site.host}/"),
        "target": client.get(scan.target.get_absolute_url()),
        "badge": client.get(f"/badge/{scan.token}.svg"),
        "home": client.get("/"),
    }
    for name, page in pages.items():
        assert found_in(page.content.decode()) == [], name
    assert pages["badge"].status_code == 404  # private: no badge

    # What we keep: every table, the queue and all of Redis, the worker's and our own logs.
    stored = every_row_of_every_table()
    assert f"'{scan.token}'" in stored and '"Authorization"' in stored  # the search sees rows
    assert found_in(stored) == []
    assert found_in(everything_in_redis(broker)) == []
    worker.stop()
    log = worker.log()
    assert "webui.tasks.run_scan" in log and "gAAAAA" in log  # it did log the arguments
    assert found_in(log) == []
    assert found_in(caplog.text) == []
    out, err = capfd.readouterr()
    assert found_in(out + err) == []
