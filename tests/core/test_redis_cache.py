"""F5: within a request, Redis's waits are bounded (core/redis_cache.py): none after a command failed, and no more
than REQUEST_WAITS times REDIS_TIMEOUT in all. Against real sockets: a server that takes connections and never
answers (a frozen Redis), and the test Redis behind a relay that answers late (a slow one)."""

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from moncompte.core.redis_cache import REQUEST_WAITS, bounded_client, redis_waits_bounded
from tests.helpers import TEST_REDIS_URL
from tests.outbox.faults import DatabaseCable, _hang_up

pytestmark = pytest.mark.redis


class FrozenRedis:
    """Takes every connection and never answers; counts the connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.taken: list[socket.socket] = []
        threading.Thread(target=self._take, daemon=True).start()

    def _take(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.taken.append(self.listener.accept()[0])

    def close(self) -> None:
        self.listener.close()
        _hang_up(*self.taken)


class SlowRelay(DatabaseCable):
    """The relay, answering each reply `delay` seconds late; counts what it carried towards the server."""

    delay = 0.1
    sent = 0

    def _carry(self, data: bytes, *, towards_server: bool) -> bool:
        if towards_server:
            self.sent += 1
        else:
            time.sleep(self.delay)
        return True


@pytest.fixture
def quick_timeout(settings) -> float:
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, redis_timeout=timedelta(milliseconds=250))
    return 0.25


@pytest.fixture
def frozen() -> Iterator[FrozenRedis]:
    server = FrozenRedis()
    yield server
    server.close()


def test_after_a_command_that_got_no_answer_the_request_s_next_ones_fail_at_once_F5(quick_timeout, frozen):
    client = bounded_client(f"redis://127.0.0.1:{frozen.port}/0")
    with redis_waits_bounded():
        with pytest.raises(RedisTimeoutError):
            client.get("session")
        started = time.monotonic()
        for _ in range(5):  # a count taken back, a page's CAPTCHA tried again…
            with pytest.raises(RedisTimeoutError, match="depuis : TimeoutError") as later:
                client.get("session")
            assert isinstance(later.value.__cause__, RedisTimeoutError)  # the first failure, for the log
        assert time.monotonic() - started < quick_timeout  # none waited for an answer
    assert len(frozen.taken) == 1  # none even reached the server


def test_outside_a_request_each_command_waits_its_own_timeout(quick_timeout, frozen):
    client = bounded_client(f"redis://127.0.0.1:{frozen.port}/0")
    for _ in range(2):  # the worker, a command: nothing bounds them beyond REDIS_TIMEOUT each
        with pytest.raises(RedisTimeoutError):
            client.get("session")
    assert len(frozen.taken) == 2


def test_a_slow_redis_answers_a_request_until_it_has_waited_its_share_then_no_more_F5(quick_timeout):
    redis.Redis.from_url(TEST_REDIS_URL).set("clé", "valeur")
    target = urlsplit(TEST_REDIS_URL)
    relay = SlowRelay(host=target.hostname or "127.0.0.1", port=target.port or 6379)
    try:
        client = bounded_client(f"redis://127.0.0.1:{relay.port}{target.path}")
        assert client.get("clé") == b"valeur"  # connected, outside any request
        answered, relay.sent = 0, 0
        with redis_waits_bounded(), contextlib.suppress(RedisTimeoutError):
            for _ in range(30):
                client.get("clé")
                answered += 1
        # Each answer took at least 0.1 s: within the share (3 × 0.25 s) at most 7 began, and one more (the
        # share not spent yet when it began); the refused command never left.
        assert 1 <= answered <= REQUEST_WAITS * quick_timeout / SlowRelay.delay + 1
        assert relay.sent == answered
        for _ in range(3):
            client.get("clé")  # the next request, or no request: answered again
        assert relay.sent == answered + 3
    finally:
        relay.close()


def test_a_redis_reached_by_its_unix_socket_answers_through_the_bounded_client(tmp_path):
    """unix:// keeps redis-py's own way of connecting (a bounded TCP connection given a socket path fails)."""
    import subprocess

    socket_path = tmp_path / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(socket_path), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if socket_path.exists():
                break
            time.sleep(0.05)
        client = bounded_client(f"unix://{socket_path}?db=0")
        with redis_waits_bounded():
            client.set("clé", "valeur")
            assert client.get("clé") == b"valeur"
    finally:
        server.terminate()
        server.wait()
