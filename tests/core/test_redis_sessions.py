"""The sessions kept in Redis draw a new key without reading it first: the write itself refuses a key in use."""

import pytest
import redis

from moncompte.core import redis_sessions
from tests.helpers import TEST_REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def on_redis(settings):
    settings.REDIS_URL = TEST_REDIS_URL
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "moncompte.core.redis_cache.ReusingRedisCache", "LOCATION": TEST_REDIS_URL}
    }


def test_a_new_session_never_takes_the_key_of_a_session_in_use_R_SEC2(on_redis, monkeypatch):
    someone = redis_sessions.SessionStore()
    someone["account_id"] = 1
    someone.create()
    someone.save()
    taken = someone.session_key
    assert taken is not None
    drawn = iter([taken, "b" * 32])  # the first key drawn is someone else's
    monkeypatch.setattr(redis_sessions, "get_random_string", lambda length, chars: next(drawn))

    newcomer = redis_sessions.SessionStore()
    newcomer.create()

    assert newcomer.session_key == "b" * 32
    assert redis_sessions.SessionStore(taken).load() == {"account_id": 1}
    assert redis_sessions.SessionStore("b" * 32).load() == {}


def test_a_new_session_key_is_32_characters_drawn_afresh_each_time(on_redis):
    keys = set()
    for _ in range(5):
        session = redis_sessions.SessionStore()
        session.create()
        assert session.session_key is not None
        keys.add(session.session_key)
    assert len(keys) == 5
    assert all(len(key) == 32 and key.isalnum() and key == key.lower() for key in keys)
