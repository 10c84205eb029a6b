"""The PostgreSQL backend's health check (core/postgresql/base.py): a live connection is trusted without a round
trip; one the server ended is found dead before the request uses it, and replaced."""

import select
import time

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def request_begins() -> None:
    """What Django does when a request starts, then the request's first query."""
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_live_connection_is_reused_without_asking_the_server_first(monkeypatch):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    request_begins()
    before = connection.connection.info.backend_pid
    asked: list[object] = []

    def select_one_sent(self) -> bool:
        asked.append(self)
        return True

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", select_one_sent)
    for _ in range(3):
        request_begins()
    assert (connection.connection.info.backend_pid, asked) == (before, [])


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it():
    request_begins()
    lost = connection.connection.info.backend_pid
    with psycopg.connect(**connections["default"].get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [lost])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        pass  # the server's goodbye is on its way
    request_begins()  # no error: the dead connection was closed and a new one opened
    assert connection.connection.info.backend_pid != lost
