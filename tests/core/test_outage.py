"""What a request registers to take back if the service goes out before it answers (core/outage.py)."""

import logging

from redis.exceptions import ConnectionError as RedisConnectionError

from moncompte.core.outage import outage_logged, outage_take_back, take_back_if_out, take_backs_kept


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
