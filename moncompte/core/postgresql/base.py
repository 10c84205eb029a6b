"""Django's PostgreSQL backend, whose health check asks the server only when the server may have ended the
connection, and whose sessions plan each prepared statement for its values (below).

CONN_HEALTH_CHECKS (settings.py) makes Django check a reused connection before the first query of each request,
so that a process finds its connection dead after a database restart instead of failing a request with it.
Django's check sends `SELECT 1`: a round trip before every request that reads the database, 11 of the journey's
13 (issue 22: 1.9 % of the web processes' Python time under `is_usable`, py-spy --gil, 3,073 samples during
bench/versus_allauth.py's moncompte side with --redis, and as many statements for PostgreSQL to run). A
connection the server ended (a restart, pg_terminate_backend, a proxy that went away) has its goodbye waiting on
the socket, an error message or the end of the stream: a poll of the socket that does not wait tells, and only
then is `SELECT 1` sent, which closes the connection if it is dead. An idle connection the server did not end
has nothing to read (this process never LISTENs on it; anything else waiting gets the full check).

A transaction's BEGIN goes with its first statement. psycopg sends `BEGIN` on its own before the first statement
of a transaction, a round trip of its own: 5.8 of the 70 statements the web processes sent per journey
(bench/versus_allauth.py --redis, every statement logged, 7 December 2026), each waking the server and the web
process once more. Django's cursors bind their values on the client and send a statement in PostgreSQL's simple
protocol, which takes several statements in one message: here `BEGIN; <statement>`, one round trip, the cursor
then on the statement's result. Any other statement (psycopg's own cursors, which bind on the server; a
server-side cursor; executemany) opens its transaction as psycopg does. This leans on psycopg's private
`_start_query` (3.3, pinned in the lock files): if a new psycopg renamed it, each transaction would send BEGIN
twice (PostgreSQL warns, nothing breaks) and tests/core/test_postgresql_begin.py fails.
"""

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class _Connection(psycopg.Connection[Any]):
    """psycopg's connection, told when the statement about to be sent opens its transaction itself."""

    begin_in_statement = False

    def _start_query(self) -> Any:
        if not self.begin_in_statement:
            yield from super()._start_query()


class _Cursor(base.CursorMixin, psycopg.ClientCursor[Any]):  # Django's Cursor, which its stubs leave untyped
    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        connection = self.connection
        if not isinstance(connection, _Connection) or not _opens(connection, query, prepare or binary):
            return super().execute(query, params, prepare=prepare, binary=binary)
        begin = connection._get_tx_start_command().decode()
        connection.begin_in_statement = True
        try:
            super().execute(f"{begin}; {query}", params)
        finally:
            connection.begin_in_statement = False
        self.nextset()  # from BEGIN's result to the statement's
        return self


def _opens(connection: _Connection, query: Any, bound_on_the_server: bool | None) -> bool:
    """Whether this statement opens a transaction and may carry its BEGIN (the simple protocol)."""
    idle = connection.pgconn.transaction_status == TransactionStatus.IDLE
    simple = isinstance(query, str) and not (bound_on_the_server or connection._pipeline)
    return idle and simple and not connection.autocommit


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if params.get("cursor_factory") is base.Cursor:  # not with server_side_binding: psycopg's own cursor
            params["cursor_factory"] = _Cursor
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.pool and type(connection) is psycopg.Connection:
            connection.__class__ = _Connection  # the same object, its transactions opened as above
        return connection

    def init_connection_state(self) -> None:
        super().init_connection_state()
        if self.connection is not None:
            # The outbox's statements run prepared (outbox/queries.py; Django prepares nothing). From their sixth
            # run PostgreSQL would plan them once for any values, and that generic plan of the claim tripled
            # PostgreSQL's CPU per notification (bench/campaign.py, 20,000 people: 4.58 ms against 1.33 ms with
            # a plan for each run's values, 225 against 388 notifications/s). Set per session, before any
            # transaction: a rollback cannot undo it.
            with self.connection.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_custom_plan")
            if not self.get_autocommit():
                self.connection.commit()

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        poll = select.poll()
        try:
            poll.register(self.connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            waiting = poll.poll(0)
        except (OSError, ValueError):  # no socket any more
            return False
        return not waiting or bool(super().is_usable())
