"""A transaction's BEGIN goes with its first statement (core/postgresql/base.py, issue 22): one round trip
where psycopg made two, and the transaction the same: undone by a rollback, unseen by others until its
commit, its first statement's result the one read."""

import threading

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from moncompte.core.postgresql.base import _Connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE begin_probe (id integer PRIMARY KEY, note text)")
    yield "begin_probe"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE begin_probe")


@pytest.fixture
def commands_sent_apart(monkeypatch) -> list[bytes]:
    """The commands psycopg sends on their own (BEGIN, COMMIT, ROLLBACK), outside any statement."""
    sent: list[bytes] = []
    original = psycopg.Connection._exec_command

    def recording(self, command, result_format=0):
        sent.append(command if isinstance(command, bytes) else str(command).encode())
        return original(self, command, result_format)

    monkeypatch.setattr(psycopg.Connection, "_exec_command", recording)
    return sent


def rows() -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, note FROM begin_probe ORDER BY id")
        return [(int(id_), str(note)) for id_, note in cursor.fetchall()]


def test_the_first_statement_of_a_transaction_carries_its_begin_and_its_own_result(table, commands_sent_apart):
    connection.ensure_connection()
    assert isinstance(connection.connection, _Connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO begin_probe VALUES (%s, %s) RETURNING id, note", [1, "un"])
        assert cursor.fetchone() == (1, "un")  # the statement's result, not BEGIN's
        assert cursor.rowcount == 1
        cursor.execute("UPDATE begin_probe SET note = %s WHERE id = %s", ["uno", 1])
        assert cursor.rowcount == 1
    assert commands_sent_apart == [b"COMMIT"]
    assert rows() == [(1, "uno")]


def a_use_case_that_fails_after_its_first_write() -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [1, "un"])
        raise RuntimeError("the use case fails after its first write")


def test_a_transaction_opened_so_is_undone_by_its_rollback(table):
    with pytest.raises(RuntimeError):
        a_use_case_that_fails_after_its_first_write()
    assert rows() == []


def test_a_transaction_opened_so_is_unseen_by_others_until_it_commits(table):
    seen: list[list[tuple[int, str]]] = []

    def another_process_looks() -> None:
        url = connection.settings_dict
        with psycopg.connect(
            host=url["HOST"] or "127.0.0.1", port=url["PORT"] or 5432, user=url["USER"], dbname=url["NAME"]
        ) as other:
            seen.append(other.execute("SELECT id, note FROM begin_probe").fetchall())

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [1, "un"])
        looking = threading.Thread(target=another_process_looks)
        looking.start()
        looking.join()
    assert seen == [[]]
    assert rows() == [(1, "un")]


def test_a_first_statement_that_fails_leaves_the_connection_usable_after_the_rollback(table):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [1, "un"])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [1, "encore"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [2, "deux"])
    assert rows() == [(1, "un"), (2, "deux")]


def test_outside_a_transaction_a_statement_is_sent_alone_and_commits_by_itself(table, commands_sent_apart):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO begin_probe VALUES (%s, %s)", [1, "un"])
    assert commands_sent_apart == []
    with transaction.atomic():  # a transaction that sends nothing costs nothing
        pass
    assert commands_sent_apart == []
    assert rows() == [(1, "un")]
