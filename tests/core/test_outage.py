"""What a request registers to take back if the service goes out before it answers (core/outage.py)."""

import logging

from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from moncompte.core.outage import (
    OutageLineFilter,
    outage_logged,
    outage_take_back,
    take_back_if_out,
    take_backs_kept,
)


def test_an_outage_takes_back_what_the_request_registered_last_first_and_once():
    done: list[str] = []
    with take_backs_kept():
        take_back_if_out(lambda: done.append("code"))
        take_back_if_out(lambda: done.append("count"))
        assert outage_logged(RedisConnectionError("Connection closed by server."))
        outage_take_back()
    assert done == ["count", "code"]


def test_a_request_that_ends_well_takes_nothing_back_and_leaves_nothing_to_the_next():
    done: list[str] = []
    with take_backs_kept():
        take_back_if_out(lambda: done.append("code"))
    with take_backs_kept():
        outage_take_back()
    assert done == []


def test_outside_a_request_nothing_is_registered():
    done: list[str] = []
    take_back_if_out(lambda: done.append("code"))  # a worker, a command: no request to end in an outage
    with take_backs_kept():
        outage_take_back()
    outage_take_back()
    assert done == []


def test_a_take_back_that_fails_is_logged_and_the_others_still_run(caplog):
    done: list[str] = []

    def failing() -> None:
        raise RuntimeError("la base aussi")

    with take_backs_kept(), caplog.at_level(logging.ERROR, logger="moncompte.core.outage"):
        take_back_if_out(lambda: done.append("code"))
        take_back_if_out(failing)
        outage_take_back()
    assert done == ["code"]
    assert "n'a pas pu être reprise" in caplog.text


def _django_line(status: int, error: BaseException | None) -> logging.LogRecord:
    """A record as django.utils.log.log_response makes it."""
    exc_info = (type(error), error, None) if error is not None else None
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "%s: %s", ("X", "/p/"), exc_info)
    record.status_code = status
    return record


def test_a_server_error_that_is_no_outage_keeps_its_level_and_traceback_F8():
    for line in (_django_line(500, RuntimeError("un bogue")), _django_line(503, RuntimeError("un bogue"))):
        kept = line.exc_info
        assert OutageLineFilter().filter(line)
        assert line.exc_info == kept
    line = _django_line(500, RuntimeError("un bogue"))
    OutageLineFilter().filter(line)
    assert (line.levelname, line.getMessage()) == ("ERROR", "X: /p/")


def test_an_outage_s_503_line_says_its_cause_in_one_warning_line_F8():
    line = _django_line(503, RedisConnectionError("Connection closed by server.\nsecond line"))
    assert OutageLineFilter().filter(line)
    assert (line.levelname, line.levelno, line.exc_info) == ("WARNING", logging.WARNING, None)
    assert line.getMessage() == "X: /p/ (service indisponible : ConnectionError (Connection closed by server.))"


def _database_error(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause  # as Django wraps the driver's error
    return error


def test_a_deadlock_or_a_timeout_answered_503_keeps_error_and_its_traceback_a_lost_connection_does_not_F8():
    import psycopg

    for ours in (psycopg.errors.DeadlockDetected("deadlock detected"), psycopg.errors.QueryCanceled("timeout")):
        line = _django_line(503, _database_error(ours))
        assert OutageLineFilter().filter(line)
        assert (line.levelname, line.exc_info is not None) == ("ERROR", True)
    for lost in (psycopg.OperationalError("connection failed"), psycopg.errors.AdminShutdown("terminating")):
        line = _django_line(503, _database_error(lost))
        assert OutageLineFilter().filter(line)
        assert (line.levelname, line.exc_info) == ("WARNING", None)


def test_a_503_a_view_answered_itself_is_a_warning_line_F8():
    line = _django_line(503, None)
    assert OutageLineFilter().filter(line)
    assert (line.levelname, line.getMessage()) == ("WARNING", "X: /p/")
