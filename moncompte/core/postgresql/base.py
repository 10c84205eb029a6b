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
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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
